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
 * longer than {@code maxMessageChars} close the connection with 1009. A connection silent for the keep-alive interval
 * ({@link #DEFAULT_KEEP_ALIVE} unless {@link #withKeepAlive} says otherwise) gets a WebSocket Ping; if nothing
 * arrives within another interval, or the Ping cannot be written, the channel reports itself closed (abrupt,
 * 1006) and the session reconnects: a connection the peer reset without the JDK noticing, or a peer that vanished,
 * is found out even when this side has nothing to send.
 */
public final class WebSocketConnector implements ChannelConnector {

    /** Default bound on one inbound message: 4 Mi UTF-16 chars. */
    public static final int DEFAULT_MAX_MESSAGE_CHARS = 4 << 20;
    /** Default keep-alive interval: a Ping after 10 s of silence, the connection dead after 10 s more. */
    public static final Duration DEFAULT_KEEP_ALIVE = Duration.ofSeconds(10);

    private final HttpClient client;
    private final Scheduler scheduler;
    private final URI uri;
    private final Map<String, String> extraHeaders;
    private final Duration connectTimeout;
    private final int maxMessageChars;
    private final Duration keepAlive;

    private WebSocketConnector(HttpClient client, Scheduler scheduler, URI uri, Map<String, String> extraHeaders,
                               Duration connectTimeout, int maxMessageChars, Duration keepAlive) {
        this.client = client;
        this.scheduler = scheduler;
        this.uri = uri;
        this.extraHeaders = Map.copyOf(extraHeaders);
        this.connectTimeout = connectTimeout;
        this.maxMessageChars = maxMessageChars;
        this.keepAlive = keepAlive;
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
        return new WebSocketConnector(client, scheduler, uri, extraHeaders, connectTimeout, maxMessageChars,
                DEFAULT_KEEP_ALIVE);
    }

    /**
     * This connector with another keep-alive interval: silence after which a Ping is sent and, after it, the longest
     * wait for anything to arrive before the connection is declared dead. {@link Duration#ZERO} turns it off.
     *
     * @throws IllegalArgumentException if {@code interval} is negative
     */
    public WebSocketConnector withKeepAlive(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("keep-alive interval must be positive (or zero: off), got " + interval);
        }
        return new WebSocketConnector(client, scheduler, uri, extraHeaders, connectTimeout, maxMessageChars, interval);
    }

    @Override
    public CompletableFuture<EventChannel> connect(Credentials credentials) {
        Map<String, String> headers = new HashMap<>(extraHeaders);
        headers.putAll(credentials.headers());
        return CompletableFuture.completedFuture(WebSocketEventChannel.open(client, scheduler, uri, headers,
                connectTimeout, maxMessageChars, keepAlive));
    }

    @Override
    public String toString() {
        return "WebSocketConnector[" + uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + uri.getRawPath()
                + "]";
    }
}
