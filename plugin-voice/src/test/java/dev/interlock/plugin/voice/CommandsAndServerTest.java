package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.plugin.voice.internal.VoicePlugin;
import dev.interlock.plugin.voice.server.RealtimeServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(120)
class CommandsAndServerTest {

    @TempDir
    Path dir;

    private static PluginCommand command(String name) {
        Plugin voice = new VoicePlugin();
        return voice.commands().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void plugin_moduleDescriptor_providesVoicePluginWithCommands() {
        // The host finds plugins with ServiceLoader; this module's descriptor must provide the SPI.
        java.lang.module.ModuleDescriptor d = VoicePlugin.class.getModule().getDescriptor();
        assertThat(d).as("tests run on the module path").isNotNull();
        assertThat(d.name()).isEqualTo("dev.interlock.plugin.voice");
        assertThat(d.provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo(Plugin.class.getName());
            assertThat(p.providers()).containsExactly(VoicePlugin.class.getName());
        });
        assertThat(d.exports()).extracting(java.lang.module.ModuleDescriptor.Exports::source)
                .containsExactly("dev.interlock.plugin.voice");
        Plugin voice = new VoicePlugin();
        assertThat(voice.id()).isEqualTo("voice");
        assertThat(voice.requiredApi()).isEqualTo("[1.0,2.0)");
        assertThat(voice.commands()).extracting(PluginCommand::name).containsExactly("connect", "serve");
    }

    @Test
    void serveAndConnect_eventsFromStdin_serverEventsPrinted() throws Exception {
        TestContext ctx = TestContext.create(dir);
        PipedOutputStream serveStdin = new PipedOutputStream();
        PipedInputStream serveIn = new PipedInputStream(serveStdin);
        CompletableFuture<String> firstLine = new CompletableFuture<>();
        ByteArrayOutputStream serveBytes = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                String sofar = toString(StandardCharsets.UTF_8);
                if (sofar.contains("\n")) {
                    firstLine.complete(sofar.substring(0, sofar.indexOf('\n')).trim());
                }
            }
        };
        PrintStream serveOut = new PrintStream(serveBytes, true, StandardCharsets.UTF_8);
        ByteArrayOutputStream serveErr = new ByteArrayOutputStream();
        CompletableFuture<Integer> serving = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                serving.complete(command("serve").run(ctx, List.of("--port", "0", "--fragment", "5"),
                        new PluginCommand.Io(serveIn, serveOut, new PrintStream(serveErr, true, StandardCharsets.UTF_8))));
            } catch (Throwable e) {
                serving.completeExceptionally(e);
                firstLine.completeExceptionally(e);
            }
        });
        String first = firstLine.get(30, TimeUnit.SECONDS);
        assertThat(first).startsWith("listening on ws://127.0.0.1:");
        String url = first.substring("listening on ".length());

        String input = """
                {"type":"conversation.item.create","item":{"type":"message","role":"user","content":[{"type":"input_text","text":"one burrito"}]}}
                {"type":"response.create","event_id":"cli-1"}
                {"type":"response.cancel"}
                {"type":"no.such.event"}
                """;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = command("connect").run(ctx, List.of("--url", url, "--header", "Authorization=Bearer ek_hidden"),
                new PluginCommand.Io(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        String printed = out.toString(StandardCharsets.UTF_8);
        String errors = err.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status (stderr: %s)", errors).isEqualTo(1);
        assertThat(errors).contains("line 4: unknown client event type 'no.such.event'").doesNotContain("ek_hidden")
                .contains("server error response_cancel_not_active caused by response.cancel");
        assertThat(printed).contains("\"type\":\"session.created\"").contains("\"type\":\"conversation.item.added\"")
                .contains("\"type\":\"response.created\"").contains("You said: one burrito");

        serveStdin.write("status\nquit\n".getBytes(StandardCharsets.UTF_8));
        serveStdin.flush();
        assertThat(serving.get(10, TimeUnit.SECONDS)).isEqualTo(0);
    }

    @Test
    void connect_transcriptEchoed_exitZero() throws Exception {
        TestContext ctx = TestContext.create(dir);
        try (RealtimeServer server = RealtimeServer.start(ctx.scheduler(), InetAddress.getLoopbackAddress(), 0,
                RealtimeServer.Options.defaults())) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String input = "{\"type\":\"conversation.item.create\",\"item\":{\"type\":\"message\",\"role\":\"user\","
                    + "\"content\":[{\"type\":\"input_text\",\"text\":\"hi there\"}]}}\n{\"type\":\"response.create\"}\n";
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = command("connect").run(ctx, List.of("--url", "ws://127.0.0.1:" + server.port() + "/v1/realtime"),
                    new PluginCommand.Io(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
            assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isEqualTo(0);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("\"type\":\"response.output_audio_transcript.done\"")
                    .contains("\"transcript\":\"You said: hi there\"");
        }
    }

    @Test
    void connect_badArguments_usageAndStatus2() throws Exception {
        TestContext ctx = TestContext.create(dir);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PluginCommand.Io io = new PluginCommand.Io(InputStream.nullInputStream(),
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(command("connect").run(ctx, List.of("--url", "http://example.invalid/x"), io)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("expected ws:// or wss://");
        assertThat(command("connect").run(ctx, List.of(), io)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Missing required option: '--url=<url>'");
        assertThat(command("serve").run(ctx, List.of("--port", "70000"), io)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--port must be in 0..65535, got 70000");
        ByteArrayOutputStream help = new ByteArrayOutputStream();
        assertThat(command("serve").run(ctx, List.of("--help"), new PluginCommand.Io(InputStream.nullInputStream(),
                new PrintStream(help, true, StandardCharsets.UTF_8), io.err()))).isEqualTo(0);
        assertThat(help.toString(StandardCharsets.UTF_8)).contains("--port");
    }

    @Test
    void server_badUpgradeRequests_rejectedWithStatusAndOtherConnectionsCarryOn() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0,
                RealtimeServer.Options.defaults().withAuthorize(a -> "Bearer ok".equals(a)))) {
            assertThat(rawRequest(server.port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
            String upgrade = "GET /v1/realtime HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
            assertThat(rawRequest(server.port(), upgrade + "\r\n")).startsWith("HTTP/1.1 401");
            assertThat(rawRequest(server.port(), upgrade.replace("Version: 13", "Version: 8")
                    + "Authorization: Bearer ok\r\n\r\n")).startsWith("HTTP/1.1 426");
            // RFC 6455 §1.3's example key and accept value.
            assertThat(rawRequest(server.port(), upgrade + "Authorization: Bearer ok\r\n\r\n"))
                    .startsWith("HTTP/1.1 101").contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        }
    }

    @Test
    void webSocketChannel_messageOverLimit_closed1009AndSessionReconnects() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0,
                RealtimeServer.Options.defaults().withFragmentChars(10))) {
            WebSocketConnector connector = WebSocketConnector.create(scheduler,
                    URI.create("ws://127.0.0.1:" + server.port() + "/v1/realtime"), Map.of(), Duration.ofSeconds(5), 40);
            EventChannel channel = connector.connect(Credentials.none()).get();
            CompletableFuture<String> closed = new CompletableFuture<>();
            AtomicInteger messages = new AtomicInteger();
            channel.start(new EventChannel.Listener() {
                @Override
                public void onOpen() {
                }

                @Override
                public void onMessage(String text) {
                    messages.incrementAndGet();
                }

                @Override
                public void onClosed(int code, String reason, boolean abrupt) {
                    closed.complete(code + " " + reason);
                }
            });
            // session.created is longer than 40 chars, sent in 10-char fragments: reassembly hits the bound.
            assertThat(closed.get(10, TimeUnit.SECONDS)).startsWith("1009 message of at least").contains("limit of 40");
            assertThat(messages.get()).isZero();
            assertThat(channel.readyState()).isEqualTo(EventChannel.ReadyState.CLOSED);
            assertThat(channel.send("x").toCompletableFuture()).isCompletedExceptionally();
        }
    }

    @Test
    void boundedLines_overLongLine_skippedWithoutKeepingIt() throws Exception {
        String text = "short\r\n" + "x".repeat(50) + "\nlast";
        var lines = new dev.interlock.plugin.voice.cli.ConnectCommandLines(new java.io.StringReader(text), 10);
        assertThat(lines.next()).isEqualTo("short");
        assertThat(lines.tooLong()).isFalse();
        assertThat(lines.next()).isEmpty();
        assertThat(lines.tooLong()).isTrue();
        assertThat(lines.next()).isEqualTo("last");
        assertThat(lines.next()).isNull();
    }

    private static String rawRequest(int port, String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            byte[] buf = new byte[1024];
            int n = s.getInputStream().read(buf);
            return new String(buf, 0, Math.max(0, n), StandardCharsets.ISO_8859_1);
        }
    }

}
