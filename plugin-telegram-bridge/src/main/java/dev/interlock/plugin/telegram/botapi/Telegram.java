package dev.interlock.plugin.telegram.botapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Typed Bot API methods the bridge uses, over a {@link BotApi}. Every call has a timeout ({@code callTimeout};
 * getUpdates adds its long-poll time). Failures are {@link BotApiException}s.
 */
public final class Telegram {

    /** Telegram's limit on a message text, in UTF-16 code units (after entity parsing). */
    public static final int MAX_MESSAGE_LENGTH = 4096;
    /** Telegram's limit on callback data, in bytes. */
    public static final int MAX_CALLBACK_DATA_BYTES = 64;
    /** Telegram's limit on a forum topic name, in characters. */
    public static final int MAX_TOPIC_NAME_LENGTH = 128;

    private final BotApi api;
    private final Duration callTimeout;

    public Telegram(BotApi api, Duration callTimeout) {
        this.api = Objects.requireNonNull(api, "api");
        this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
    }

    /** An inline keyboard button. */
    public record Button(String text, String callbackData) {
    }

    /** A sent message: its id and thread. */
    public record Sent(long messageId, long threadId) {
    }

    /** createForumTopic: returns the new topic's message_thread_id. Not idempotent (no idempotency key). */
    public CompletionStage<Long> createForumTopic(long chatId, String name) {
        ObjectNode p = BotApi.JSON.createObjectNode().put("chat_id", chatId).put("name", name);
        return api.call("createForumTopic", p, callTimeout)
                .thenApply(r -> r.path("message_thread_id").asLong());
    }

    /** sendMessage into a topic; {@code parseMode} may be null (plain text); {@code buttons} may be empty. */
    public CompletionStage<Sent> sendMessage(long chatId, long threadId, String text, String parseMode,
                                             List<List<Button>> buttons) {
        ObjectNode p = BotApi.JSON.createObjectNode().put("chat_id", chatId).put("message_thread_id", threadId)
                .put("text", text);
        if (parseMode != null) {
            p.put("parse_mode", parseMode);
        }
        if (!buttons.isEmpty()) {
            p.set("reply_markup", keyboard(buttons));
        }
        return api.call("sendMessage", p, callTimeout)
                .thenApply(r -> new Sent(r.path("message_id").asLong(), r.path("message_thread_id").asLong(threadId)));
    }

    /** editMessageText; removes the inline keyboard. */
    public CompletionStage<Void> editMessageText(long chatId, long messageId, String text, String parseMode) {
        ObjectNode p = BotApi.JSON.createObjectNode().put("chat_id", chatId).put("message_id", messageId)
                .put("text", text);
        if (parseMode != null) {
            p.put("parse_mode", parseMode);
        }
        return api.call("editMessageText", p, callTimeout).thenApply(r -> null);
    }

    public CompletionStage<Void> answerCallbackQuery(String callbackQueryId, String text) {
        ObjectNode p = BotApi.JSON.createObjectNode().put("callback_query_id", callbackQueryId).put("text", text);
        return api.call("answerCallbackQuery", p, callTimeout).thenApply(r -> null);
    }

    public CompletionStage<Void> reopenForumTopic(long chatId, long threadId) {
        ObjectNode p = BotApi.JSON.createObjectNode().put("chat_id", chatId).put("message_thread_id", threadId);
        return api.call("reopenForumTopic", p, callTimeout).thenApply(r -> null);
    }

    /** getUpdates long polling; returns the array of updates (possibly empty). */
    public CompletionStage<JsonNode> getUpdates(long offset, Duration longPoll, List<String> allowedUpdates) {
        ObjectNode p = BotApi.JSON.createObjectNode().put("offset", offset).put("timeout", longPoll.toSeconds());
        ArrayNode allowed = p.putArray("allowed_updates");
        allowedUpdates.forEach(allowed::add);
        return api.call("getUpdates", p, callTimeout.plus(longPoll));
    }

    private static ObjectNode keyboard(List<List<Button>> rows) {
        ObjectNode markup = BotApi.JSON.createObjectNode();
        ArrayNode keyboard = markup.putArray("inline_keyboard");
        for (List<Button> row : rows) {
            ArrayNode r = keyboard.addArray();
            for (Button b : row) {
                r.addObject().put("text", b.text()).put("callback_data", b.callbackData());
            }
        }
        return markup;
    }

    /** The number of UTF-16 code units Telegram counts for {@code text}. */
    public static int length(String text) {
        return text.length();
    }

}
