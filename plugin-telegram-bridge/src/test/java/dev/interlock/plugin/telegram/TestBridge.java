package dev.interlock.plugin.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.telegram.botapi.BotApi;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import dev.interlock.plugin.telegram.daemon.BridgeDaemon;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** A bridge daemon wired to a Bot API emulator over real HTTP and a real Unix socket, in a temp directory. */
public final class TestBridge implements AutoCloseable {

    public static final String TOKEN = "123456789:AAE-secret-test-token_xyz";
    public static final long CHAT = -1001234567890L;

    public final Path dir;
    public final Scheduler scheduler = Scheduler.virtualThreads();
    public final BotApiEmulator emulator;
    public final CapturingLogger log = new CapturingLogger();
    public final Map<String, String> settings = new HashMap<>();
    public BridgeDaemon daemon;

    public TestBridge(Path dir) throws IOException {
        this.dir = dir;
        emulator = BotApiEmulator.create(scheduler, TOKEN).limits(0, 0).start();
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, TOKEN + "\n");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        settings.put("chat-id", Long.toString(CHAT));
        settings.put("api-base-url", emulator.baseUrl().toString());
        settings.put("socket", dir.resolve("run").resolve("bridge.sock").toString());
        settings.put("db", dir.resolve("data").resolve("bridge.db").toString());
        settings.put("token-file", tokenFile.toString());
        settings.put("per-chat-per-minute", "1000000");
        settings.put("per-chat-interval", "0ms");
        settings.put("global-per-second", "1000000");
        settings.put("backoff-base", "20ms");
        settings.put("backoff-max", "200ms");
        settings.put("long-poll", "1s");
        settings.put("call-timeout", "5s");
    }

    public BridgeConfig config() {
        return BridgeConfig.load(settings, Map.of());
    }

    public TestBridge start() throws IOException {
        daemon = new BridgeDaemon(config(), scheduler, ConcurrencyGuard.inJvm(scheduler), null, log).start();
        return this;
    }

    public Path socket() {
        return Path.of(settings.get("socket"));
    }

    public Client connect() throws IOException {
        return new Client(socket());
    }

    @Override
    public void close() {
        if (daemon != null) {
            daemon.close();
        }
        emulator.close();
    }

    /** Messages delivered into the chat's topics. */
    public int delivered() {
        return emulator.messageCount(CHAT);
    }

    public List<BotApiEmulator.Topic> topics() {
        return emulator.topics(CHAT);
    }

    /** Waits for {@code done}, polling; fails with {@code what} after {@code timeout}. */
    public static void await(BooleanSupplier done, Duration timeout, Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + what.get());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    public static ObjectNode message(String type, String session, String content) {
        return BotApi.JSON.createObjectNode().put("type", type).put("sessionId", session)
                .put("timestamp", "2026-01-01T00:00:00Z").put("content", content);
    }

    /** A blocking NDJSON client of the daemon socket. */
    public static final class Client implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final ByteBuffer in = ByteBuffer.allocate(8192);

        public Client(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        }

        public void sendRaw(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        public void send(JsonNode message) throws IOException {
            sendRaw((message.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        }

        /** Sends and reads the answer. */
        public JsonNode call(JsonNode message) throws IOException {
            send(message);
            return readAnswer();
        }

        public JsonNode readAnswer() throws IOException {
            while (true) {
                byte[] buf = pending.toByteArray();
                for (int i = 0; i < buf.length; i++) {
                    if (buf[i] == '\n') {
                        JsonNode node = BotApi.JSON.readTree(java.util.Arrays.copyOf(buf, i));
                        pending.reset();
                        pending.write(buf, i + 1, buf.length - i - 1);
                        return node;
                    }
                }
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    return null;
                }
                pending.write(in.array(), 0, n);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
