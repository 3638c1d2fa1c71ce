package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.plugin.telegram.TestBridge;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.interlock.plugin.telegram.TestBridge.await;
import static dev.interlock.plugin.telegram.TestBridge.message;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 1,000 sessions x 10 events from many connections at once: 1,000 topics, 10,000 messages, per-session order.
 * Sizes: {@code -Dtelegram.load.sessions=1000 -Dtelegram.load.events=10 -Dtelegram.load.connections=50}.
 */
@Timeout(600)
class LoadTest {

    @TempDir
    Path dir;

    private static final Pattern EVENT = Pattern.compile("s(\\d+)-e(\\d+)\\b");

    @Test
    void thousandSessionsTimesTenEvents_manyConnections_allDeliveredOneTopicEachInOrder() throws Exception {
        int sessions = Integer.getInteger("telegram.load.sessions", 1000);
        int events = Integer.getInteger("telegram.load.events", 10);
        int connections = Integer.getInteger("telegram.load.connections", 50);
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.settings.put("max-connections", Integer.toString(connections + 8));
            bridge.start();
            long start = System.nanoTime();
            List<Future<Integer>> senders = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < connections; c++) {
                    int conn = c;
                    senders.add(pool.submit(() -> {
                        int acked = 0;
                        try (TestBridge.Client client = bridge.connect()) {
                            // each connection owns a slice of sessions and interleaves them: event e of every
                            // session of the slice, then event e+1; per session the order is e0..e9
                            for (int e = 0; e < events; e++) {
                                int sent = 0;
                                for (int s = conn; s < sessions; s += connections) {
                                    client.send(message(e % 2 == 0 ? "tool_start" : "agent_response", "sess-" + s,
                                            "s" + s + "-e" + e));
                                    sent++;
                                }
                                for (int i = 0; i < sent; i++) {
                                    JsonNode a = client.readAnswer();
                                    if (a != null && a.path("ok").asBoolean()) {
                                        acked++;
                                    }
                                }
                            }
                        }
                        return acked;
                    }));
                }
                int acked = 0;
                for (Future<Integer> f : senders) {
                    acked += f.get();
                }
                assertThat(acked).isEqualTo(sessions * events);
            }
            double acceptSeconds = (System.nanoTime() - start) / 1e9;
            await(() -> bridge.daemon.store().outboxCounts()[0] == 0, Duration.ofSeconds(540),
                    () -> "outbox drained; pending " + bridge.daemon.store().outboxCounts()[0]);
            double totalSeconds = (System.nanoTime() - start) / 1e9;
            List<BotApiEmulator.Topic> topics = bridge.topics();
            assertThat(topics).hasSize(sessions);
            assertThat(bridge.emulator.calls("createForumTopic")).hasSize(sessions);
            Map<Integer, List<Integer>> perSession = new HashMap<>();
            for (BotApiEmulator.Topic t : topics) {
                for (BotApiEmulator.Message m : t.messages()) {
                    Matcher matcher = EVENT.matcher(m.text());
                    while (matcher.find()) {
                        int s = Integer.parseInt(matcher.group(1));
                        assertThat(t.name()).as("event of session %d in the topic of another session", s)
                                .endsWith(("sess-" + s).length() > 8 ? ("sess-" + s).substring(0, 8) : "sess-" + s);
                        perSession.computeIfAbsent(s, k -> new ArrayList<>()).add(Integer.parseInt(matcher.group(2)));
                    }
                }
            }
            int total = 0;
            for (int s = 0; s < sessions; s++) {
                List<Integer> order = perSession.get(s);
                assertThat(order).as("events of session %d", s).isNotNull();
                for (int e = 0; e < events; e++) {
                    assertThat(order.get(e)).as("event %d of session %d", e, s).isEqualTo(e);
                }
                assertThat(order).hasSize(events);
                total += order.size();
            }
            assertThat(total).isEqualTo(sessions * events);
            System.out.printf("load: %d sessions x %d events over %d connections: accepted in %.2f s (%.0f events/s),"
                            + " all delivered in %.2f s with %d sendMessage calls%n", sessions, events, connections,
                    acceptSeconds, sessions * events / acceptSeconds, totalSeconds,
                    bridge.emulator.calls("sendMessage").size());
        }
    }
}
