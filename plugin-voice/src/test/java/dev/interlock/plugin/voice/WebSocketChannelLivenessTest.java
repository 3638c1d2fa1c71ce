package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.voice.internal.WebSocketEventChannel;
import dev.interlock.plugin.voice.server.RealtimeServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How {@link WebSocketEventChannel} finds out that a connection is over when the JDK does not say so: the
 * keep-alive (a Ping after silence; dead if nothing arrives within another interval), and abrupt ends reported as
 * abrupt. Found by the voice demo's abrupt-reset phase, which stalled when the server reset a connection and the
 * JDK's WebSocket never reported it: the session believed the dead connection open and held its queue.
 */
class WebSocketChannelLivenessTest {

    private final Scheduler scheduler = Scheduler.virtualThreads();
    private final HttpClient http = HttpClient.newBuilder().executor(scheduler).build();

    @AfterEach
    void tearDown() throws InterruptedException {
        http.shutdownNow();
        http.awaitTermination(Duration.ofSeconds(5));
    }

    /** What a channel told its listener. */
    private static final class Recorder implements EventChannel.Listener {
        final CompletableFuture<Void> opened = new CompletableFuture<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        final List<String> messages = new CopyOnWriteArrayList<>();

        @Override
        public void onOpen() {
            opened.complete(null);
        }

        @Override
        public void onMessage(String text) {
            messages.add(text);
        }

        @Override
        public void onClosed(int code, String reason, boolean abrupt) {
            closed.complete(code + " abrupt=" + abrupt + " " + reason);
        }
    }

    private WebSocketEventChannel open(int port, Duration keepAlive, Recorder recorder) throws Exception {
        WebSocketEventChannel channel = WebSocketEventChannel.open(http, scheduler,
                URI.create("ws://127.0.0.1:" + port + "/v1/realtime"), Map.of(), Duration.ofSeconds(5), 1 << 20,
                keepAlive);
        channel.start(recorder);
        recorder.opened.get(10, TimeUnit.SECONDS);
        return channel;
    }

    @Test
    void silentPeer_keepAliveDeclaresTheConnectionDead() throws Exception {
        // A peer that completes the upgrade and then never answers anything (a vanished host, or a reset the JDK did
        // not report): without the keep-alive the channel would stay OPEN for ever.
        try (ServerSocket blackHole = new ServerSocket()) {
            blackHole.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> acceptUpgrade(blackHole),
                    scheduler);
            Recorder recorder = new Recorder();
            WebSocketEventChannel channel = open(blackHole.getLocalPort(), Duration.ofMillis(100), recorder);
            try (Socket ignored = accepted.get(10, TimeUnit.SECONDS)) {
                String closed = recorder.closed.get(10, TimeUnit.SECONDS);
                assertThat(closed).startsWith("1006 abrupt=true").contains("keep-alive Ping")
                        .contains("the connection is dead");
                assertThat(channel.readyState()).isEqualTo(EventChannel.ReadyState.CLOSED);
            }
        }
    }

    @Test
    void idlePeerThatAnswersPings_staysOpen() throws Exception {
        try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0,
                RealtimeServer.Options.defaults())) {
            Recorder recorder = new Recorder();
            WebSocketEventChannel channel = open(server.port(), Duration.ofMillis(50), recorder);
            // nothing is sent either way after session.created: only keep-alive Pings, each answered by a Pong
            await(() -> server.pingsReceived() >= 5,
                    "five keep-alive Pings at the server");
            assertThat(recorder.closed).isNotDone();
            assertThat(channel.readyState()).isEqualTo(EventChannel.ReadyState.OPEN);
            channel.send("{\"type\":\"input_audio_buffer.clear\"}").toCompletableFuture().get(10, TimeUnit.SECONDS);
            await(() -> recorder.messages.stream().anyMatch(m -> m.contains("input_audio_buffer.cleared")),
                    "the answer to a send after the idle period");
            channel.close(1000, "done");
            assertThat(recorder.closed.get(10, TimeUnit.SECONDS)).startsWith("1000 abrupt=false");
        }
    }

    @Test
    void keepAliveOff_sendsNoPings() throws Exception {
        try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0,
                RealtimeServer.Options.defaults())) {
            Recorder recorder = new Recorder();
            WebSocketEventChannel channel = open(server.port(), Duration.ZERO, recorder);
            // a round trip after which a 1 ms keep-alive would certainly have pinged: none may have been sent
            channel.send("{\"type\":\"input_audio_buffer.clear\"}").toCompletableFuture().get(10, TimeUnit.SECONDS);
            await(() -> recorder.messages.stream().anyMatch(m -> m.contains("input_audio_buffer.cleared")),
                    "the answer to a send");
            assertThat(server.connectionCount()).isOne();
            assertThat(server.pingsReceived()).isZero();
            channel.close(1000, "done");
            recorder.closed.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void serverResetsIdleConnection_alwaysReportedAbrupt() throws Exception {
        // The JDK reports a reset as onError, or (when the FIN arrives first) as onClose with 1006, a code that is
        // never sent in a Close frame: both are abrupt ends. And sometimes (JDK 25.0.3: about 1 round in 10 here)
        // it reports nothing at all on an idle connection; the keep-alive finds those. Repeated, since which of the
        // three happens varies.
        int reportedByJdk = 0;
        int foundByKeepAlive = 0;
        for (int round = 0; round < 20; round++) {
            try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0,
                    RealtimeServer.Options.defaults())) {
                Recorder recorder = new Recorder();
                open(server.port(), Duration.ofMillis(200), recorder);
                await(() -> server.connectionCount() == 1, "the server to register the connection");
                assertThat(server.dropAll(RealtimeServer.Drop.ABRUPT)).isOne();
                String closed = recorder.closed.get(10, TimeUnit.SECONDS);
                assertThat(closed).as("round " + round).startsWith("1006 abrupt=true");
                if (closed.contains("keep-alive")) {
                    foundByKeepAlive++;
                } else {
                    reportedByJdk++;
                }
            }
        }
        System.out.println("abrupt resets of an idle connection: " + reportedByJdk + " reported by the JDK, "
                + foundByKeepAlive + " found by the keep-alive");
    }

    @Test
    void keepAlive_negative_isRejectedNamingTheValue() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebSocketEventChannel.open(http, scheduler,
                        URI.create("ws://127.0.0.1:1/"), Map.of(), Duration.ofSeconds(1), 1024, Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.005S");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> WebSocketConnector.create(scheduler,
                        URI.create("ws://127.0.0.1:1/"), Map.of(), Duration.ofSeconds(1), 1024)
                        .withKeepAlive(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static void await(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 20 s for " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    /** Accepts one connection, answers its WebSocket upgrade (RFC 6455 §4.2.2), then reads nothing more. */
    private static Socket acceptUpgrade(ServerSocket server) {
        try {
            Socket socket = server.accept();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("upgrade request ended early");
                }
                head.write(b);
            }
            Matcher key = Pattern.compile("(?i)sec-websocket-key:\\s*(\\S+)").matcher(head.toString(
                    StandardCharsets.ISO_8859_1));
            if (!key.find()) {
                throw new IOException("no Sec-WebSocket-Key");
            }
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(
                    (key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
            socket.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return socket;
        } catch (Exception e) {
            throw new IllegalStateException("black-hole server: " + e, e);
        }
    }
}
