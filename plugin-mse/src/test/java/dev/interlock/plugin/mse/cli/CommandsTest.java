package dev.interlock.plugin.mse.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.plugin.mse.MsePlugin;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands called directly, over real loopback TCP: listen in one virtual thread, connect in this one. */
class CommandsTest {

    private static final String HASH = "0123456789abcdef0123456789abcdef01234567";
    private static final String OTHER = "fedcba9876543210fedcba9876543210fedcba98";

    private final TestContext context = TestContext.create();

    private static PluginCommand command(String name) {
        return new MsePlugin().commands().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void plugin_idAndCommands_areMseConnectListen() {
        MsePlugin p = new MsePlugin();
        assertThat(p.id()).isEqualTo("mse");
        assertThat(p.commands()).extracting(PluginCommand::name).containsExactly("connect", "listen");
    }

    @Test
    void connectAndListen_threePeers_printOneJsonLinePerConnection() throws Exception {
        // listen prints from a thread per connection: collect whole lines (a pipe would fail with "Write end dead"
        // when the thread that wrote last has ended before the reader caught up)
        java.util.concurrent.BlockingQueue<String> printed = new java.util.concurrent.LinkedBlockingQueue<>();
        PrintStream listenOut = new PrintStream(new LineSink(printed), true, StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream listenErr = new java.io.ByteArrayOutputStream();
        CompletableFuture<Integer> listener = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                listener.complete(command("listen").run(context.plugin(), List.of("--port", "0", "--info-hash", OTHER,
                        "--info-hash", HASH, "--policy", "prefer", "--count", "3", "--timeout", "5s"),
                        new PluginCommand.Io(new ByteArrayInputStream(new byte[0]), listenOut,
                                new PrintStream(listenErr, true, StandardCharsets.UTF_8))));
            } catch (Exception e) {
                listener.completeExceptionally(e);
            } finally {
                listenOut.close();
            }
        });
        String first = printed.poll(30, TimeUnit.SECONDS);
        Matcher m = Pattern.compile("\\{\"listening\":(\\d+)}").matcher(first);
        assertThat(m.matches()).as(first).isTrue();
        String target = "127.0.0.1:" + m.group(1);

        TestContext.Run encrypted = context.run(command("connect"), target, "--info-hash", HASH, "--policy", "prefer");
        assertThat(encrypted.status()).as(encrypted.err()).isZero();
        assertThat(encrypted.out()).contains("\"ok\":true", "\"mse\":true", "\"encrypted\":true", "\"method\":\"rc4\"",
                "\"attempts\":1", "\"infoHash\":\"" + HASH + "\"", "\"remotePeerId\":\"2d494c303130302d", "\"millis\":");

        TestContext.Run plain = context.run(command("connect"), target, "--info-hash", HASH, "--policy", "disabled");
        assertThat(plain.status()).isZero();
        assertThat(plain.out()).contains("\"ok\":true", "\"mse\":false", "\"encrypted\":false", "\"method\":\"none\"");

        String unknown = "00112233445566778899aabbccddeeff00112233";
        TestContext.Run rejected = context.run(command("connect"), target, "--info-hash", unknown, "--policy", "required");
        assertThat(rejected.status()).isEqualTo(1);
        assertThat(rejected.out()).contains("\"ok\":false", "\"error\":\"peer-closed\"");

        assertThat(listener.get(30, TimeUnit.SECONDS)).isEqualTo(1); // one of three failed
        List<String> perConnection = new java.util.ArrayList<>();
        printed.drainTo(perConnection);
        assertThat(perConnection).hasSize(3);
        assertThat(perConnection.get(0)).contains("\"ok\":true", "\"method\":\"rc4\"");
        assertThat(perConnection.get(1)).contains("\"ok\":true", "\"mse\":false");
        assertThat(perConnection.get(2)).contains("\"ok\":false", "\"error\":\"unknown-info-hash\"");
    }

    @Test
    void connect_badInfoHash_exits2NamingTheValue() throws Exception {
        TestContext.Run r = context.run(command("connect"), "127.0.0.1:1", "--info-hash", "abc", "--policy", "prefer");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--info-hash must be 40 hex digits", "'abc'");
    }

    @Test
    void connect_badPolicy_exits2ListingPolicies() throws Exception {
        TestContext.Run r = context.run(command("connect"), "127.0.0.1:1", "--info-hash", HASH, "--policy", "sometimes");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("'sometimes'", "disabled, allow, prefer, required");
    }

    @Test
    void connect_refused_printsTransportFailedJson() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        TestContext.Run r = context.run(command("connect"), "127.0.0.1:" + port, "--info-hash", HASH, "--policy", "required");
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.out()).contains("\"ok\":false", "\"error\":\"transport-failed\"", "refused");
    }

    @Test
    void listen_countOutOfRange_exits2() throws Exception {
        TestContext.Run r = context.run(command("listen"), "--port", "0", "--info-hash", HASH, "--count", "0");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--count must be within 1..10000, got 0");
    }

    @Test
    void connect_help_printsUsage() throws Exception {
        TestContext.Run r = context.run(command("connect"), "--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).contains("--info-hash", "--policy");
    }

    /** An output stream that hands each complete line to a queue; safe for writers on several threads. */
    private static final class LineSink extends java.io.OutputStream {
        private final java.util.concurrent.BlockingQueue<String> lines;
        private final java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();

        LineSink(java.util.concurrent.BlockingQueue<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                lines.add(current.toString(StandardCharsets.UTF_8));
                current.reset();
            } else {
                current.write(b);
            }
        }
    }
}
