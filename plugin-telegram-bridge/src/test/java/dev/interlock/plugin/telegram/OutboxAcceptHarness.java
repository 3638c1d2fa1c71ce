package dev.interlock.plugin.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.interlock.plugin.telegram.TestBridge.message;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Benchmark harness (not part of the default test run): events per second accepted into the durable outbox over
 * the real Unix socket, i.e. parsed, validated, committed to SQLite (WAL) and acknowledged. Delivery runs
 * concurrently against the emulator, as in production.
 *
 * <pre>
 * ./mvnw -B -q -pl plugin-telegram-bridge install -Dtest=OutboxAcceptHarness -Dtelegram.bench=true \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dtelegram.bench.events=20000 -Dtelegram.bench.connections=16]
 * </pre>
 * Prints one line: {@code outbox-accept: N events over C connections in S s = R events/s}; the second harness
 * prints hook-to-sendMessage latency percentiles at a steady rate.
 */
@EnabledIfSystemProperty(named = "telegram.bench", matches = "true")
class OutboxAcceptHarness {

    @TempDir
    Path dir;

    @Test
    void acceptIntoOutbox_eventsPerSecond() throws Exception {
        int events = Integer.getInteger("telegram.bench.events", 20_000);
        int connections = Integer.getInteger("telegram.bench.connections", 16);
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.settings.put("max-connections", Integer.toString(connections + 4));
            bridge.start();
            warmUp(bridge);
            long start = System.nanoTime();
            List<Future<Integer>> senders = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < connections; c++) {
                    int conn = c;
                    senders.add(pool.submit(() -> {
                        int acked = 0;
                        try (TestBridge.Client client = bridge.connect()) {
                            int mine = events / connections;
                            int window = 64; // pipelined: up to 64 unacknowledged lines per connection
                            int sent = 0;
                            while (acked < mine) {
                                while (sent < mine && sent - acked < window) {
                                    client.send(message("tool_result", "bench-" + conn + "-" + (sent % 10),
                                            "event " + sent));
                                    sent++;
                                }
                                JsonNode a = client.readAnswer();
                                assertThat(a.path("ok").asBoolean()).isTrue();
                                acked++;
                            }
                        }
                        return acked;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : senders) {
                    total += f.get();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("outbox-accept: %d events over %d connections in %.2f s = %.0f events/s%n", total,
                        connections, seconds, total / seconds);
            }
        }
    }

    /**
     * Hook-to-sendMessage latency at a steady rate below the configured limit: one event every
     * {@code telegram.bench.interval} (default 50ms) over 10 sessions, pacer limits as configured in
     * {@link TestBridge} (no pacing delay) and emulator latency {@code telegram.bench.latency} (default 20ms, a
     * nearby Bot API server). Latency = from writing the line to the emulator handling the sendMessage that carried
     * it. Prints p50/p90/p99/max.
     */
    @Test
    void hookToSendMessage_latencyAtSteadyRate() throws Exception {
        int events = Integer.getInteger("telegram.bench.latency.events", 400);
        java.time.Duration interval = java.time.Duration.ofMillis(Long.getLong("telegram.bench.interval", 50));
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.emulator.latency(java.time.Duration.ofMillis(Long.getLong("telegram.bench.latency", 20)));
            bridge.start();
            warmUp(bridge);
            long[] sentAt = new long[events];
            try (TestBridge.Client client = bridge.connect()) {
                long next = System.nanoTime();
                for (int i = 0; i < events; i++) {
                    while (System.nanoTime() < next) {
                        java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                    }
                    sentAt[i] = bridge.scheduler.nanoTime();
                    client.call(message("agent_response", "lat-" + (i % 10), "L" + i + ";"));
                    next += interval.toNanos();
                }
            }
            TestBridge.await(() -> bridge.daemon.store().outboxCounts()[0] == 0, java.time.Duration.ofSeconds(60),
                    () -> "drained");
            long[] latency = new long[events];
            java.util.Arrays.fill(latency, -1);
            java.util.regex.Pattern p = java.util.regex.Pattern.compile("L(\\d+);");
            for (var call : bridge.emulator.calls("sendMessage")) {
                if (call.status() != 200) {
                    continue;
                }
                var m = p.matcher(call.params().path("text").asText());
                while (m.find()) {
                    int i = Integer.parseInt(m.group(1));
                    if (latency[i] < 0) {
                        latency[i] = call.atNanos() - sentAt[i];
                    }
                }
            }
            long[] sorted = java.util.Arrays.stream(latency).sorted().toArray();
            assertThat(sorted[0]).isGreaterThanOrEqualTo(0);
            System.out.printf("hook-to-sendMessage: %d events, one per %d ms, emulator latency %s:"
                            + " p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n", events, interval.toMillis(),
                    Long.getLong("telegram.bench.latency", 20) + "ms", sorted[events / 2] / 1e6,
                    sorted[events * 9 / 10] / 1e6, sorted[events * 99 / 100] / 1e6, sorted[events - 1] / 1e6);
        }
    }

    private static void warmUp(TestBridge bridge) throws Exception {
        try (TestBridge.Client c = bridge.connect()) {
            for (int i = 0; i < 500; i++) {
                c.call(message("tool_result", "warm-up", "w" + i));
            }
        }
    }
}
