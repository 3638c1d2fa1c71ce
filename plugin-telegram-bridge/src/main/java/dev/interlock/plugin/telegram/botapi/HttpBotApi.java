package dev.interlock.plugin.telegram.botapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The Bot API over the JDK {@link HttpClient}: {@code POST <base>/bot<token>/<method>} with a JSON body.
 *
 * <p><b>Timeouts.</b> Connecting is bounded by {@code connectTimeout}; every request is bounded by the timeout the
 * caller passes (for getUpdates the caller adds the long-poll time).
 *
 * <p><b>Secrets.</b> The token is only ever put into the request URI. Exceptions carry the method name, the status
 * and Telegram's description; a network failure is reported by its exception class and a message from which the
 * URL path (and the token, wherever it appears) has been removed, and the original exception is not attached
 * (its message or stack could carry the URI).
 */
public final class HttpBotApi implements BotApi, AutoCloseable {

    /** Largest Bot API answer accepted, in bytes (a getUpdates batch of 100 updates is far below it). */
    public static final long MAX_ANSWER_BYTES = 8L << 20;

    private final HttpClient client;
    private final String base;
    private final String token;

    /**
     * @param baseUrl        e.g. {@code https://api.telegram.org} (no trailing path)
     * @param token          the bot token; never logged
     * @param executor       where the client runs its callbacks (the injected scheduler)
     * @param connectTimeout bound on connection setup
     */
    public HttpBotApi(URI baseUrl, String token, Executor executor, Duration connectTimeout) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        this.token = Objects.requireNonNull(token, "token");
        String b = baseUrl.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.client = HttpClient.newBuilder()
                .executor(Objects.requireNonNull(executor, "executor"))
                .connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    @Override
    public CompletionStage<JsonNode> call(String method, ObjectNode params, Duration timeout) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(params);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(new BotApiException(method, 0, BotApiException.Kind.REJECTED,
                    "cannot encode the parameters: " + e.getOriginalMessage(), null));
        }
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(base + "/bot" + token + "/" + method))
                    .timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new BotApiException(method, 0, BotApiException.Kind.REJECTED,
                    "the Bot API base URL or token does not form a valid URI; check api-base-url and the token"
                            + " characters", null));
        }
        return client.sendAsync(request, BoundedBody.handler(MAX_ANSWER_BYTES))
                .handle((response, failure) -> {
                    if (failure != null) {
                        throw new CompletionException(networkFailure(method, failure));
                    }
                    return BotApi.interpret(method, response.statusCode(), response.body());
                });
    }

    private BotApiException networkFailure(String method, Throwable failure) {
        Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String what = t instanceof HttpTimeoutException ? "timed out" : t.getClass().getSimpleName();
        String detail = t.getMessage() == null ? "" : ": " + redact(t.getMessage());
        return new BotApiException(method, 0, BotApiException.Kind.NETWORK, what + detail, null);
    }

    /** Removes the token and any {@code /bot...} URL path from a message. */
    String redact(String message) {
        String m = token.isEmpty() ? message : message.replace(token, "<token>");
        return m.replaceAll("/bot[^\\s/]*(/[A-Za-z]*)?", "/bot<redacted>$1");
    }

    /**
     * Releases the HTTP client: calls in flight fail (their stages complete exceptionally with a NETWORK
     * {@link BotApiException}), and the client's selector thread ends (waited for up to two seconds). Idempotent.
     */
    @Override
    public void close() {
        client.shutdownNow();
        try {
            client.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "HttpBotApi[" + base + "]";
    }
}
