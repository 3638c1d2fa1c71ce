package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.plugin.telegram.TestBridge;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import dev.interlock.plugin.telegram.store.BridgeStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;


import static dev.interlock.plugin.telegram.TestBridge.await;
import static dev.interlock.plugin.telegram.TestBridge.message;
import static org.assertj.core.api.Assertions.assertThat;

/** Seed 004 RC#1 and RC#3, made stricter, against the emulator over real HTTP and a real Unix socket. */
@Timeout(120)
class TopicPerSessionTest {

    @TempDir
    Path dir;

    /** Seed 004 RC#1: two (here: twenty) first events of a new session arrive at once on separate connections. */
    @Test
    void concurrentFirstEvents_newSession_exactlyOneTopic() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.emulator.latency(Duration.ofMillis(30)); // a slow cold start widens the seed's race window
            bridge.start();
            int connections = 20;
            CountDownLatch go = new CountDownLatch(1);
            List<Future<JsonNode>> answers = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < connections; i++) {
                    String type = i % 2 == 0 ? "tool_result" : "agent_response";
                    String content = "event " + i;
                    answers.add(pool.submit(() -> {
                        try (TestBridge.Client c = bridge.connect()) {
                            go.await();
                            return c.call(message(type, "session-123", content));
                        }
                    }));
                }
                go.countDown();
                for (Future<JsonNode> a : answers) {
                    assertThat(a.get().path("ok").asBoolean()).isTrue();
                }
            }
            await(() -> numbered(contentOf(bridge), "event ").size() == connections, Duration.ofSeconds(30),
                    () -> "all " + connections + " events delivered; topics: " + bridge.topics());
            assertThat(numbered(contentOf(bridge), "event ")).doesNotHaveDuplicates();
            assertThat(bridge.emulator.calls("createForumTopic")).hasSize(1);
            assertThat(bridge.topics()).hasSize(1);
            List<BridgeStore.TopicRecord> ledger = bridge.daemon.store().topics();
            assertThat(ledger).hasSize(1);
            assertThat(ledger.getFirst().state()).isEqualTo("ACTIVE");
            assertThat(bridge.daemon.store().threadFor("session-123").getAsLong())
                    .isEqualTo(bridge.topics().getFirst().threadId());
        }
    }

    /** Seed 004 RC#3: ten rapid messages for a new session are all delivered, in order, in one topic. */
    @Test
    void tenRapidMessages_newSession_oneTopicAndAllTenInOrder() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.emulator.latency(Duration.ofMillis(20));
            bridge.start();
            try (TestBridge.Client c = bridge.connect()) {
                for (int i = 0; i < 10; i++) {
                    c.send(message("agent_response", "session-456", "Message " + i));
                }
                for (int i = 0; i < 10; i++) {
                    assertThat(c.readAnswer().path("ok").asBoolean()).isTrue();
                }
            }
            await(() -> contentOf(bridge).contains("Message 9"), Duration.ofSeconds(30),
                    () -> "Message 9 delivered; topics: " + bridge.topics());
            assertThat(bridge.topics()).hasSize(1);
            BotApiEmulator.Topic topic = bridge.topics().getFirst();
            assertThat(topic.messages().getFirst().text()).startsWith("📌 Session session-456");
            List<String> seen = numbered(contentOf(bridge), "Message ");
            assertThat(seen).containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
        }
    }

    static String contentOf(TestBridge bridge) {
        return bridge.topics().stream().flatMap(t -> t.messages().stream()).map(BotApiEmulator.Message::text)
                .collect(Collectors.joining("\n"));
    }

    static List<String> numbered(String text, String prefix) {
        List<String> out = new ArrayList<>();
        int i = text.indexOf(prefix);
        while (i >= 0) {
            int end = i + prefix.length();
            while (end < text.length() && Character.isDigit(text.charAt(end))) {
                end++;
            }
            out.add(text.substring(i + prefix.length(), end));
            i = text.indexOf(prefix, end);
        }
        return out;
    }

}
