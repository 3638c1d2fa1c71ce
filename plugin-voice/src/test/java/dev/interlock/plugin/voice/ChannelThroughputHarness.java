package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.voice.server.WebSocketServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Throughput harness (not JMH; run on demand): events per second from one client to a counting RFC 6455 sink on
 * loopback, through a {@link VoiceSession} (outbox, serial lane, one send at a time) beside a bare JDK WebSocket
 * sending the same JSON texts one at a time (each {@code sendText} awaited before the next, the JDK's rule), in the
 * same JVM and run, alternating, after warm-up rounds. Prints the median of the measured rounds and writes a Markdown
 * fragment for {@code docs/benchmarks.d/voice.md} to {@code -Dvoice.throughputReport} (default
 * {@code target/voice-throughput.md}).
 *
 * <pre>./mvnw -B -q -pl plugin-voice install -Dtest=ChannelThroughputHarness -Dvoice.throughput=true \
 *     [-Dvoice.throughputEvents=20000] [-Dvoice.throughputRounds=5]</pre>
 * Output is in target/surefire-reports/dev.interlock.plugin.voice.ChannelThroughputHarness-output.txt.
 */
@EnabledIfSystemProperty(named = "voice.throughput", matches = "true")
class ChannelThroughputHarness {

    static final int EVENTS = Integer.getInteger("voice.throughputEvents", 20_000);
    static final int ROUNDS = Integer.getInteger("voice.throughputRounds", 5);
    static final int WARMUP = 2;

    @Test
    void throughput_sessionVersusBareWebSocket_printed() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        AtomicLong counted = new AtomicLong();
        CompletableFuture<?>[] target = {new CompletableFuture<Void>()};
        long[] goal = {0};
        WebSocketServer.Handler sink = new WebSocketServer.Handler() {
            @Override
            public void onOpen(WebSocketServer.Connection connection) {
            }

            @Override
            public void onText(WebSocketServer.Connection connection, String text) {
                if (counted.incrementAndGet() == goal[0]) {
                    target[0].complete(null);
                }
            }

            @Override
            public void onClose(WebSocketServer.Connection connection, int code, String reason) {
            }
        };
        // The same events on both sides, built before the clock starts. The session is given them without ids (the
        // usual case: it assigns each one); the bare socket sends their JSON with an id of the same shape.
        List<ClientEvent> events = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            ClientEvent e = ClientEvent.userText("order item " + i);
            events.add(e);
            texts.add(e.withEventId("evt_1a2b3c4d_" + (i + 1)).toJson());
        }
        double loadAtStart = loadAverage();
        List<Double> session = new ArrayList<>();
        List<Double> bare = new ArrayList<>();
        try (WebSocketServer server = WebSocketServer.start(scheduler, InetAddress.getLoopbackAddress(), 0, sink,
                1 << 20, 8)) {
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/v1/realtime");
            HttpClient http = HttpClient.newBuilder().executor(scheduler).build();
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                // bare JDK WebSocket
                counted.set(0);
                goal[0] = EVENTS;
                target[0] = new CompletableFuture<Void>();
                WebSocket ws = http.newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() { }).get(10, TimeUnit.SECONDS);
                long t0 = System.nanoTime();
                for (String t : texts) {
                    ws.sendText(t, true).get(10, TimeUnit.SECONDS);
                }
                target[0].get(60, TimeUnit.SECONDS);
                double bareRate = EVENTS / ((System.nanoTime() - t0) / 1e9);
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(10, TimeUnit.SECONDS);

                // through the VoiceSession
                counted.set(0);
                target[0] = new CompletableFuture<Void>();
                VoiceSession s = VoiceSession.builder(WebSocketConnector.create(scheduler, uri, Map.of(),
                                Duration.ofSeconds(5), 1 << 20))
                        .scheduler(scheduler).guard(ConcurrencyGuard.inJvm(scheduler))
                        .outboundLimits(new OutboundLimits(EVENTS + 1, 16L << 20, 1 << 20)).build();
                CompletableFuture<Void> open = new CompletableFuture<>();
                s.addListener(new VoiceSession.Listener() {
                    @Override
                    public void onStateChanged(SessionState from, SessionState to) {
                        if (to == SessionState.OPEN) {
                            open.complete(null);
                        }
                    }
                });
                s.connect();
                open.get(10, TimeUnit.SECONDS);
                long t1 = System.nanoTime();
                for (ClientEvent e : events) {
                    s.send(e);
                }
                target[0].get(60, TimeUnit.SECONDS);
                double sessionRate = EVENTS / ((System.nanoTime() - t1) / 1e9);
                s.close();
                assertThat(counted.get()).isEqualTo(EVENTS);
                if (round >= WARMUP) {
                    bare.add(bareRate);
                    session.add(sessionRate);
                }
            }
        }
        double loadAtEnd = loadAverage();
        double bareMedian = median(bare);
        double sessionMedian = median(session);
        System.out.printf("throughput (%d events x %d rounds, median): bare JDK WebSocket %.0f events/s, "
                        + "VoiceSession %.0f events/s (%.2fx); rounds bare=%s session=%s%n", EVENTS, ROUNDS, bareMedian,
                sessionMedian, sessionMedian / bareMedian, rounded(bare), rounded(session));
        String fragment = fragment(bare, session, loadAtStart, loadAtEnd, texts.get(0).length());
        Path report = Path.of(System.getProperty("voice.throughputReport", "target/voice-throughput.md"));
        Files.createDirectories(report.toAbsolutePath().getParent());
        Files.writeString(report, fragment);
        System.out.println("wrote " + report.toAbsolutePath() + ":");
        System.out.print(fragment);
        assertThat(sessionMedian).isPositive();
    }

    /** The Markdown fragment for docs/benchmarks.d/voice.md. */
    static String fragment(List<Double> bare, List<Double> session, double loadAtStart, double loadAtEnd,
                           int exampleChars) {
        StringBuilder md = new StringBuilder();
        md.append("### Voice event channel (issue 6)\n\n");
        md.append("| channel | events/s (median) | min | max | rounds | events per round |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: |\n");
        row(md, "bare JDK WebSocket", bare);
        row(md, "VoiceSession (outbox + serial lane + JDK WebSocket)", session);
        md.append(String.format(Locale.ROOT, "| **ratio** (session / bare, medians) | **%.2f** | | | | |%n",
                median(session) / median(bare)));
        md.append('\n');
        md.append(String.format(Locale.ROOT, "JDK %s (%s), %d cores, load average (1 min) %.2f at the start and %.2f"
                        + " at the end of the run. Command:%n%n", Runtime.version(), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), loadAtStart, loadAtEnd));
        md.append("```\n./mvnw -B -q -pl plugin-voice install -Dtest=ChannelThroughputHarness -Dvoice.throughput=true"
                + (EVENTS == 20_000 ? "" : " -Dvoice.throughputEvents=" + EVENTS)
                + (ROUNDS == 5 ? "" : " -Dvoice.throughputRounds=" + ROUNDS) + "\n```\n\n");
        md.append(String.format(Locale.ROOT, "Each figure is one client sending %,d `conversation.item.create` events"
                + " (about %d chars of JSON each) to a counting RFC 6455 sink on 127.0.0.1 in the same JVM, timed from"
                + " the first send until the sink has read the last one; connection set-up is outside the clock and the"
                + " events are built before it starts. The bare figure awaits each `sendText` before the next (the"
                + " JDK allows one outstanding send); the session figure also includes assigning each event its id,"
                + " the bounded outbox, the serial lane and the correlation memory. %d warm-up rounds of each, then"
                + " %d measured rounds alternating bare and session; the machine is shared, so take the ratio, not the"
                + " absolute rates.%n", EVENTS, exampleChars, WARMUP, ROUNDS));
        return md.toString();
    }

    /** The 1-minute load average from /proc/loadavg (this harness is run on Linux), or -1 if unreadable. */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void row(StringBuilder md, String name, List<Double> rates) {
        double min = rates.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        md.append(String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %,.0f | %d | %,d |%n", name, median(rates), min,
                max, rates.size(), EVENTS));
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static List<Long> rounded(List<Double> xs) {
        return xs.stream().map(Math::round).toList();
    }
}
