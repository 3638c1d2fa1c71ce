package dev.interlock.plugin.telegram.botapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The Telegram Bot API as one asynchronous call. {@link HttpBotApi} is the real client; tests may also reach the
 * emulator in-process through this interface.
 *
 * <p>The returned stage completes with the answer's {@code result} field, or exceptionally with a
 * {@link BotApiException} (never any other exception type). It never holds a lock of the caller's.
 */
public interface BotApi {

    /** The shared JSON mapper (tree model only; thread-safe). */
    ObjectMapper JSON = new ObjectMapper();

    /**
     * Calls {@code method} with {@code params} (JSON body).
     *
     * @param timeout how long to wait for the answer, on top of a long poll's own timeout
     */
    CompletionStage<JsonNode> call(String method, ObjectNode params, Duration timeout);

    /** Interprets a Bot API answer: the result on {@code ok:true}, otherwise a classified exception. */
    static JsonNode interpret(String method, int status, byte[] body) {
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (java.io.IOException e) {
            throw new BotApiException(method, status, status >= 500 ? BotApiException.Kind.SERVER
                    : BotApiException.Kind.NETWORK, "the answer is not JSON (" + body.length + " bytes)", null);
        }
        if (answer != null && answer.path("ok").asBoolean(false)) {
            return answer.path("result");
        }
        String description = answer == null ? "empty answer" : answer.path("description").asText("no description");
        int code = answer == null ? status : answer.path("error_code").asInt(status);
        JsonNode retry = answer == null ? null : answer.path("parameters").get("retry_after");
        throw BotApiException.fromAnswer(method, code == 0 ? status : code, description,
                retry == null ? null : retry.asInt());
    }
}
