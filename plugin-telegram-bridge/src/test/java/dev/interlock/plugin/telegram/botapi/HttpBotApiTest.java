package dev.interlock.plugin.telegram.botapi;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JDK HttpClient Bot API client against the emulator: answers, Telegram's errors, timeouts, secrecy. */
@Timeout(60)
class HttpBotApiTest {

    private static final String TOKEN = "987654:SECRET-token-value";
    private static final long CHAT = -100777;

    private final Scheduler scheduler = Scheduler.virtualThreads();
    private BotApiEmulator emulator;
    private Telegram telegram;

    @BeforeEach
    void start() throws Exception {
        emulator = BotApiEmulator.create(scheduler, TOKEN).limits(0, 0).start();
        telegram = new Telegram(new HttpBotApi(emulator.baseUrl(), TOKEN, scheduler, Duration.ofSeconds(5)),
                Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private static BotApiException failure(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().get();
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(BotApiException.class);
            return (BotApiException) e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected a failure");
    }

    private static void assertNoSecret(BotApiException e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).doesNotContain(TOKEN).doesNotContain("SECRET");
    }

    @Test
    void createAndSend_ok_returnIds() throws Exception {
        long thread = telegram.createForumTopic(CHAT, "topic").toCompletableFuture().get();
        Telegram.Sent sent = telegram.sendMessage(CHAT, thread, "<b>hi</b>", "HTML", List.of()).toCompletableFuture().get();
        assertThat(sent.threadId()).isEqualTo(thread);
        assertThat(emulator.topics(CHAT).getFirst().messages().getFirst().text()).isEqualTo("hi");
    }

    @Test
    void sendMessage_telegramErrors_classified() throws Exception {
        long thread = telegram.createForumTopic(CHAT, "topic").toCompletableFuture().get();
        BotApiException markup = failure(telegram.sendMessage(CHAT, thread, "<b>x", "HTML", List.of()));
        assertThat(markup.kind()).isEqualTo(BotApiException.Kind.BAD_MARKUP);
        assertThat(markup.description()).startsWith("Bad Request: can't parse entities");

        emulator.closeTopic(CHAT, thread);
        assertThat(failure(telegram.sendMessage(CHAT, thread, "x", null, List.of())).kind())
                .isEqualTo(BotApiException.Kind.TOPIC_CLOSED);
        telegram.reopenForumTopic(CHAT, thread).toCompletableFuture().get();
        emulator.deleteTopic(CHAT, thread);
        BotApiException gone = failure(telegram.sendMessage(CHAT, thread, "x", null, List.of()));
        assertThat(gone.kind()).isEqualTo(BotApiException.Kind.THREAD_NOT_FOUND);
        assertThat(gone.status()).isEqualTo(400);

        emulator.failNext("sendMessage", 1, 429, "Too Many Requests: retry after 7", 7);
        BotApiException limited = failure(telegram.sendMessage(CHAT, 0, "x", null, List.of()));
        assertThat(limited.kind()).isEqualTo(BotApiException.Kind.RATE_LIMITED);
        assertThat(limited.retryAfter()).hasValue(Duration.ofSeconds(7));
        assertThat(failure(telegram.sendMessage(CHAT, 0, "x".repeat(4097), null, List.of())).description())
                .isEqualTo("Bad Request: message is too long");
    }

    @Test
    void droppedConnection_networkKind_noTokenAnywhere() {
        emulator.dropNext("sendMessage", 1, false);
        BotApiException e = failure(telegram.sendMessage(CHAT, 0, "x", null, List.of()));
        assertThat(e.kind()).isEqualTo(BotApiException.Kind.NETWORK);
        assertThat(e.getCause()).isNull();
        assertNoSecret(e);
    }

    @Test
    void slowAnswer_beyondCallTimeout_timesOutWithoutToken() throws Exception {
        emulator.latency(Duration.ofSeconds(3));
        Telegram impatient = new Telegram(new HttpBotApi(emulator.baseUrl(), TOKEN, scheduler, Duration.ofSeconds(5)),
                Duration.ofMillis(300));
        long start = System.nanoTime();
        BotApiException e = failure(impatient.createForumTopic(CHAT, "t"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(e.kind()).isEqualTo(BotApiException.Kind.NETWORK);
        assertThat(e.description()).startsWith("timed out");
        assertNoSecret(e);
    }

    @Test
    void wrongToken_unauthorized_messageHasNoToken() {
        Telegram wrong = new Telegram(new HttpBotApi(emulator.baseUrl(), "111:WRONG-SECRET", scheduler,
                Duration.ofSeconds(5)), Duration.ofSeconds(5));
        BotApiException e = failure(wrong.createForumTopic(CHAT, "t"));
        assertThat(e.kind()).isEqualTo(BotApiException.Kind.REJECTED);
        assertThat(e.getMessage()).contains("HTTP 401").doesNotContain("WRONG-SECRET");
    }

    @Test
    void refusedConnection_networkKind_redacted() {
        Telegram nowhere = new Telegram(new HttpBotApi(URI.create("http://127.0.0.1:1"), TOKEN, scheduler,
                Duration.ofSeconds(2)), Duration.ofSeconds(2));
        BotApiException e = failure(nowhere.createForumTopic(CHAT, "t"));
        assertThat(e.kind()).isEqualTo(BotApiException.Kind.NETWORK);
        assertNoSecret(e);
    }

    @Test
    void redact_messageWithUrl_tokenAndPathRemoved() {
        HttpBotApi api = new HttpBotApi(URI.create("http://x"), TOKEN, scheduler, Duration.ofSeconds(1));
        assertThat(api.redact("failed http://x/bot" + TOKEN + "/sendMessage now"))
                .isEqualTo("failed http://x/bot<redacted>/sendMessage now");
        assertThat(api.toString()).doesNotContain(TOKEN);
    }

    @Test
    void getUpdates_secondConcurrentPoller_conflict409() throws Exception {
        CompletableFuture<?> first = telegram.getUpdates(0, Duration.ofSeconds(2), List.of()).toCompletableFuture();
        BotApiException e = null;
        while (e == null && !first.isDone()) { // the first poll waits up to 2 s; a second one meanwhile conflicts
            try {
                telegram.getUpdates(0, Duration.ZERO, List.of()).toCompletableFuture().get();
            } catch (ExecutionException ex) {
                e = (BotApiException) ex.getCause();
            }
        }
        assertThat(e).isNotNull();
        assertThat(e.kind()).isEqualTo(BotApiException.Kind.CONFLICT);
        first.get();
    }

    @Test
    void oversizedAnswer_beyondLimit_failsWithoutBufferingIt() {
        emulator.failNext("sendMessage", 1, 500, "x".repeat((int) HttpBotApi.MAX_ANSWER_BYTES + 10), null);
        BotApiException e = failure(telegram.sendMessage(CHAT, 0, "x", null, List.of()));
        assertThat(e.kind()).isEqualTo(BotApiException.Kind.NETWORK);
        assertThat(e.description()).contains("exceeds " + HttpBotApi.MAX_ANSWER_BYTES + " bytes");
    }

    @Test
    void topicLifecycle_closeReopenDeleteViaApi_asTelegram() throws Exception {
        BotApi api = new HttpBotApi(emulator.baseUrl(), TOKEN, scheduler, Duration.ofSeconds(5));
        long thread = telegram.createForumTopic(CHAT, "t").toCompletableFuture().get();
        var params = BotApi.JSON.createObjectNode().put("chat_id", CHAT).put("message_thread_id", thread);
        api.call("closeForumTopic", params, Duration.ofSeconds(5)).toCompletableFuture().get();
        assertThat(failure(api.call("closeForumTopic", params, Duration.ofSeconds(5))).description())
                .isEqualTo("Bad Request: TOPIC_NOT_MODIFIED");
        assertThat(failure(telegram.sendMessage(CHAT, thread, "x", null, List.of())).kind())
                .isEqualTo(BotApiException.Kind.TOPIC_CLOSED);
        telegram.reopenForumTopic(CHAT, thread).toCompletableFuture().get();
        telegram.sendMessage(CHAT, thread, "x", null, List.of()).toCompletableFuture().get();
        api.call("deleteForumTopic", params, Duration.ofSeconds(5)).toCompletableFuture().get();
        assertThat(failure(telegram.sendMessage(CHAT, thread, "x", null, List.of())).kind())
                .isEqualTo(BotApiException.Kind.THREAD_NOT_FOUND);
        assertThat(emulator.topics(CHAT).getFirst().state()).isEqualTo("DELETED");
        assertThat(emulator.calls()).extracting(BotApiEmulator.Call::method).contains("closeForumTopic",
                "reopenForumTopic", "deleteForumTopic");
    }
}
