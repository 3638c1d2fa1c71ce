package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.voice.internal.WebSocketEventChannel;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link ChannelConnector} that opens a WebSocket (the JDK's {@link java.net.http.WebSocket}) to a Realtime
 * endpoint such as {@code wss://api.openai.com/v1/realtime?model=...}, with the attempt's credentials as headers.
 *
 * <p>The channel is returned at once, in {@code CONNECTING}; it opens when the upgrade succeeds. Inbound messages
 * longer than {@code maxMessageChars} close the connection with 1009.
 */
public final class WebSocketConnector implements ChannelConnector {

    /** Default bound on one inbound message: 4 Mi UTF-16 chars. */
    public static final int DEFAULT_MAX_MESSAGE_CHARS = 4 << 20;

    private final HttpClient client;
    private final Scheduler scheduler;
    private final URI uri;
    private final Map<String, String> extraHeaders;
    private final Duration connectTimeout;
    private final int maxMessageChars;

    private WebSocketConnector(HttpClient client, Scheduler scheduler, URI uri, Map<String, String> extraHeaders,
                               Duration connectTimeout, int maxMessageChars) {
        this.client = client;
        this.scheduler = scheduler;
        this.uri = uri;
        this.extraHeaders = Map.copyOf(extraHeaders);
        this.connectTimeout = connectTimeout;
        this.maxMessageChars = maxMessageChars;
    }

    /**
     * A connector to {@code uri} ({@code ws} or {@code wss}); its HTTP client runs on {@code scheduler}.
     *
     * @param extraHeaders headers sent on every attempt besides the attempt's credentials (e.g. {@code OpenAI-Beta})
     * @throws IllegalArgumentException if the scheme is not ws/wss or a limit is not positive
     */
    public static WebSocketConnector create(Scheduler scheduler, URI uri, Map<String, String> extraHeaders,
                                            Duration connectTimeout, int maxMessageChars) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(extraHeaders, "extraHeaders");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        if (!"ws".equalsIgnoreCase(uri.getScheme()) && !"wss".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not a WebSocket URL: '" + uri.getScheme() + "://" + uri.getHost()
                    + "...'; expected ws:// or wss://, e.g. wss://api.openai.com/v1/realtime?model=gpt-realtime");
        }
        if (maxMessageChars < 1 || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("maxMessageChars (" + maxMessageChars + ") and connectTimeout ("
                    + connectTimeout + ") must be positive");
        }
        HttpClient client = HttpClient.newBuilder().executor(scheduler).connectTimeout(connectTimeout).build();
        return new WebSocketConnector(client, scheduler, uri, extraHeaders, connectTimeout, maxMessageChars);
    }

    @Override
    public CompletableFuture<EventChannel> connect(Credentials credentials) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.putAll(credentials.headers());
        return CompletableFuture.completedFuture(WebSocketEventChannel.open(client, scheduler, uri, headers,
                connectTimeout, maxMessageChars));
    }

    @Override
    public String toString() {
        return "WebSocketConnector[" + uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + uri.getRawPath()
                + "]";
    }
}
