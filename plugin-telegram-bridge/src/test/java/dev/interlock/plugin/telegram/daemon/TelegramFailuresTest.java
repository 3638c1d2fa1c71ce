package dev.interlock.plugin.telegram.daemon;

import dev.interlock.plugin.telegram.TestBridge;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import dev.interlock.plugin.telegram.store.BridgeStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.interlock.plugin.telegram.TestBridge.CHAT;
import static dev.interlock.plugin.telegram.TestBridge.await;
import static dev.interlock.plugin.telegram.TestBridge.message;
import static dev.interlock.plugin.telegram.daemon.TopicPerSessionTest.contentOf;
import static dev.interlock.plugin.telegram.daemon.TopicPerSessionTest.numbered;
import static org.assertj.core.api.Assertions.assertThat;

/** Telegram's failure answers, from the emulator over real HTTP: nothing is lost, nothing reordered. */
@Timeout(120)
class TelegramFailuresTest {

    @TempDir
    Path dir;

    private static void send(TestBridge bridge, String session, int from, int to) throws Exception {
        try (TestBridge.Client c = bridge.connect()) {
            for (int i = from; i < to; i++) {
                assertThat(c.call(message("agent_response", session, "Message " + i)).path("ok").asBoolean())
                        .isTrue();
            }
        }
    }

    private static void awaitAll(TestBridge bridge, int n) {
        await(() -> numbered(contentOf(bridge), "Message ").size() >= n, Duration.ofSeconds(60),
                () -> n + " messages delivered; got " + numbered(contentOf(bridge), "Message "));
        List<String> expected = java.util.stream.IntStream.range(0, n).mapToObj(Integer::toString).toList();
        assertThat(numbered(contentOf(bridge), "Message ")).containsExactlyElementsOf(expected);
    }

    @Test
    void sendMessage_429_waitsRetryAfterThenDeliversInOrder() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            send(bridge, "s1", 0, 1);
            awaitAll(bridge, 1);
            bridge.emulator.failNext("sendMessage", 1, 429, "Too Many Requests: retry after 1", 1);
            long start = System.nanoTime();
            send(bridge, "s1", 1, 4);
            awaitAll(bridge, 4);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(bridge.log.all()).contains("Telegram asks to wait 1 s (429)");
        }
    }

    @Test
    void emulatorRateLimit_chatOverItsBudget_answers429WithRetryAfter() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.emulator.limits(3, 0);
            bridge.settings.put("per-chat-per-minute", "1000"); // a pacer that ignores the limit gets 429s
            bridge.start();
            send(bridge, "s1", 0, 1); // createForumTopic + header/message: 2 of 3
            awaitAll(bridge, 1);
            send(bridge, "s2", 1, 2); // createForumTopic (3 of 3) then sendMessage -> 429
            await(() -> bridge.emulator.calls("sendMessage").stream().anyMatch(c -> c.status() == 429),
                    Duration.ofSeconds(20), () -> "a 429");
            BotApiEmulator.Call limited = bridge.emulator.calls("sendMessage").stream()
                    .filter(c -> c.status() == 429).findFirst().orElseThrow();
            assertThat(limited.description()).startsWith("Too Many Requests: retry after ");
            await(() -> bridge.log.all().matches("(?s).*Telegram asks to wait \\d+ s \\(429\\).*"),
                    Duration.ofSeconds(20), () -> "the pacer saw the 429: " + bridge.log.all());
        }
    }

    @Test
    void deletedTopic_threadNotFound_newTopicAndPendingMessagesMoved() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            send(bridge, "s1", 0, 2);
            awaitAll(bridge, 2);
            long first = bridge.topics().getFirst().threadId();
            bridge.emulator.deleteTopic(CHAT, first);
            send(bridge, "s1", 2, 5);
            await(() -> bridge.topics().size() == 2 && bridge.topics().get(1).messages().size() >= 1,
                    Duration.ofSeconds(30), () -> "a second topic with the pending messages");
            awaitAll(bridge, 5);
            BotApiEmulator.Topic second = bridge.topics().get(1);
            assertThat(numbered(second.messages().stream().map(BotApiEmulator.Message::text)
                    .reduce("", String::concat), "Message ")).containsExactly("2", "3", "4");
            assertThat(bridge.daemon.store().threadFor("s1").getAsLong()).isEqualTo(second.threadId());
            assertThat(bridge.daemon.store().topics()).extracting(BridgeStore.TopicRecord::state)
                    .containsExactly("DELETED", "ACTIVE");
        }
    }

    @Test
    void closedTopic_topicClosed_reopenedAndDelivered() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            send(bridge, "s1", 0, 1);
            awaitAll(bridge, 1);
            long thread = bridge.topics().getFirst().threadId();
            bridge.emulator.closeTopic(CHAT, thread);
            send(bridge, "s1", 1, 3);
            awaitAll(bridge, 3);
            assertThat(bridge.emulator.calls("sendMessage")).anyMatch(c -> c.description().equals("Bad Request: TOPIC_CLOSED"));
            assertThat(bridge.emulator.calls("reopenForumTopic")).hasSize(1);
            assertThat(bridge.topics()).hasSize(1);
            assertThat(bridge.topics().getFirst().state()).isEqualTo("OPEN");
        }
    }

    @Test
    void rejectedMarkup_cantParseEntities_resentAsPlainText() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            try (TestBridge.Client c = bridge.connect()) {
                var m = message("agent_response", "s1", "<b>bold <i>broken</b> Message 0");
                m.putObject("metadata").put("format", "html");
                assertThat(c.call(m).path("ok").asBoolean()).isTrue();
            }
            awaitAll(bridge, 1);
            assertThat(bridge.emulator.calls("sendMessage")).anyMatch(c -> c.description().startsWith(
                    "Bad Request: can't parse entities"));
            BotApiEmulator.Message delivered = bridge.topics().getFirst().messages().getLast();
            assertThat(delivered.parseMode()).isNull();
            assertThat(delivered.text()).contains("<b>bold <i>broken</b> Message 0");
        }
    }

    @Test
    void serverErrorsAndDroppedConnections_retriedWithBackoff_deliveredInOrder() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            bridge.emulator.failNext("createForumTopic", 2, 502, "Bad Gateway", null);
            bridge.emulator.dropNext("sendMessage", 2, false);
            bridge.emulator.failNext("sendMessage", 1, 500, "Internal Server Error", null);
            send(bridge, "s1", 0, 5);
            awaitAll(bridge, 5);
            assertThat(bridge.topics()).hasSize(1);
            assertThat(bridge.log.all()).contains("retry 1 in").contains("retry 2 in");
        }
    }

    @Test
    void lostAnswerAfterApplying_oneDuplicateAtMost() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            send(bridge, "s1", 0, 1);
            awaitAll(bridge, 1);
            bridge.emulator.dropNext("sendMessage", 1, true);
            send(bridge, "s1", 1, 2);
            await(() -> bridge.daemon.store().outboxCounts()[0] == 0, Duration.ofSeconds(30), () -> "drained");
            List<String> seen = numbered(contentOf(bridge), "Message ");
            assertThat(seen).containsExactly("0", "1", "1"); // the documented window: one duplicate
        }
    }

    @Test
    void longContent_splitNotTruncated() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            StringBuilder big = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                big.append("line ").append(i).append(" <&> 😀\n");
            }
            try (TestBridge.Client c = bridge.connect()) {
                assertThat(c.call(message("tool_result", "s1", big.toString())).path("ok").asBoolean()).isTrue();
            }
            await(() -> bridge.daemon.store().outboxCounts()[0] == 0, Duration.ofSeconds(30), () -> "drained");
            List<BotApiEmulator.Message> ms = bridge.topics().getFirst().messages();
            assertThat(ms).allMatch(m -> m.text().length() <= 4096);
            assertThat(ms.size()).isGreaterThan(2);
            List<String> lines = numbered(contentOf(bridge), "line ");
            assertThat(lines).containsExactlyElementsOf(
                    java.util.stream.IntStream.range(0, 2000).mapToObj(Integer::toString).toList());
            assertThat(contentOf(bridge)).contains("line 1999 <&> 😀");
        }
    }

    @Test
    void getUpdates_conflictAndServerError_loggedAndPollingResumes() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.emulator.failNext("getUpdates", 1, 409,
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
                    null);
            bridge.emulator.failNext("getUpdates", 1, 502, "Bad Gateway", null);
            bridge.start();
            await(() -> bridge.emulator.calls("getUpdates").stream().filter(c -> c.status() == 200).count() >= 1,
                    Duration.ofSeconds(20), () -> "polling resumed after the failures");
            assertThat(bridge.log.all()).contains("another poller uses this bot token (409 Conflict)")
                    .contains("getUpdates failed: getUpdates failed: HTTP 502");
        }
    }
}
