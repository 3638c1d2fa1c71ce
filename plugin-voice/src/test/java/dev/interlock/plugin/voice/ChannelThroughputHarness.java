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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Throughput harness (not JMH; run on demand): events per second from one client to a counting RFC 6455 sink on
 * loopback, through a {@link VoiceSession} (outbox, serial lane, one send at a time) beside a bare JDK WebSocket
 * sending the same JSON texts one at a time (each {@code sendText} awaited before the next, the JDK's rule), in the
 * same JVM and run, alternating, after warm-up rounds. Prints the median of the measured rounds.
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
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            texts.add(ClientEvent.userText("order item " + i).withEventId("evt_bench_" + i).toJson());
        }
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
                for (String t : texts) {
                    s.send(ClientEvent.fromJson(t));
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
        double bareMedian = median(bare);
        double sessionMedian = median(session);
        System.out.printf("throughput (%d events x %d rounds, median): bare JDK WebSocket %.0f events/s, "
                        + "VoiceSession %.0f events/s (%.2fx); rounds bare=%s session=%s%n", EVENTS, ROUNDS, bareMedian,
                sessionMedian, sessionMedian / bareMedian, rounded(bare), rounded(session));
        assertThat(sessionMedian).isPositive();
    }

    private static double median(List<Double> xs) {
        List<Double> sorted = xs.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static List<Long> rounded(List<Double> xs) {
        return xs.stream().map(Math::round).toList();
    }
}
