package dev.interlock.plugin.voice.internal;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.voice.EventChannel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@link EventChannel} over the JDK's {@link java.net.http.WebSocket}.
 *
 * <ul>
 *   <li>Text frames arriving in parts ({@code last == false}) are appended to one buffer and delivered whole; a message
 *       longer than {@code maxMessageChars} closes the connection with 1009 instead of growing the buffer.
 *   <li>Flow control: one frame is requested at a time ({@code request(1)}), after the previous one was handled.
 *   <li>The JDK allows one outstanding send; {@link #send} enforces the contract's "one at a time" and
 *       {@link #close} chains the Close frame after the send in progress.
 *   <li>Listener calls are made from a single delivery queue drained on the scheduler, one at a time, in order.
 * </ul>
 * Credentials go into the upgrade request's headers and nowhere else (not into {@link #describe()} or errors).
 */
public final class WebSocketEventChannel implements EventChannel {

    private static final System.Logger LOG = System.getLogger(WebSocketEventChannel.class.getName());

    /** How long a graceful close waits for the peer's Close frame before aborting the connection. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Scheduler scheduler;
    private final int maxMessageChars;
    private final String description;
    private final Object lock = new Object();

    // Guarded by lock.
    private ReadyState state = ReadyState.CONNECTING;
    private WebSocket socket;
    private Listener listener;
    private final ArrayDeque<Runnable> deliveries = new ArrayDeque<>();
    private boolean delivering;
    private boolean closedReported;
    private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
    private boolean sendInProgress;
    private final StringBuilder partial = new StringBuilder();
    /** Watchdogs of {@link #abortUnlessClosedWithin}, cancelled once the close is reported (at most two: send, close). */
    private final List<Cancellable> closeTimers = new ArrayList<>(2);

    private WebSocketEventChannel(Scheduler scheduler, int maxMessageChars, String description) {
        this.scheduler = scheduler;
        this.maxMessageChars = maxMessageChars;
        this.description = description;
    }

    /**
     * Starts opening a WebSocket to {@code uri}; the channel is returned at once in {@code CONNECTING}.
     *
     * @param client  the HTTP client (its executor should be the host's scheduler)
     * @param headers upgrade request headers, e.g. {@code Authorization} (secrets: never logged)
     */
    public static WebSocketEventChannel open(HttpClient client, Scheduler scheduler, URI uri, Map<String, String> headers,
                                             Duration connectTimeout, int maxMessageChars) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(uri, "uri");
        if (maxMessageChars < 1) {
            throw new IllegalArgumentException("maxMessageChars must be >= 1, got " + maxMessageChars);
        }
        String shown = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
        WebSocketEventChannel channel = new WebSocketEventChannel(scheduler, maxMessageChars, "websocket:" + shown);
        WebSocket.Builder builder = client.newWebSocketBuilder().connectTimeout(connectTimeout);
        headers.forEach(builder::header);
        builder.buildAsync(uri, channel.new JdkListener()).whenComplete((ws, error) -> {
            if (error != null) {
                channel.failed(1006, "connect failed: " + rootMessage(error));
            }
        });
        return channel;
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (this.listener != null) {
                throw new IllegalStateException("start called twice on " + description);
            }
            this.listener = listener;
            if (!deliveries.isEmpty()) {
                scheduler.execute(this::deliverOne);
            }
        }
    }

    @Override
    public ReadyState readyState() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public CompletionStage<Void> send(String text) {
        Objects.requireNonNull(text, "text");
        WebSocket ws;
        CompletableFuture<Void> result = new CompletableFuture<>();
        synchronized (lock) {
            if (state != ReadyState.OPEN) {
                return CompletableFuture.failedFuture(new IOException(description + " is " + state
                        + "; message not sent"));
            }
            if (sendInProgress) {
                return CompletableFuture.failedFuture(new IllegalStateException(description
                        + ": a send is already in progress (one at a time; wait for the previous stage)"));
            }
            sendInProgress = true;
            ws = socket;
            lastSend = result;
        }
        CompletableFuture<WebSocket> sending;
        try {
            sending = ws.sendText(text, true);
        } catch (RuntimeException e) {
            sending = CompletableFuture.failedFuture(e);
        }
        if (sending.isDone() && !sending.isCompletedExceptionally()) {
            // the usual case on a socket with room: the JDK wrote the frame in this thread
            synchronized (lock) {
                sendInProgress = false;
            }
            result.complete(null);
            return result;
        }
        sending.whenComplete((w, error) -> {
            synchronized (lock) {
                sendInProgress = false;
            }
            if (error == null) {
                result.complete(null);
                return;
            }
            result.completeExceptionally(error);
            // The JDK fails a send with "closed output" when the peer's Close frame has arrived (it closes our output
            // itself), possibly before our onClose runs. Aborting now would reset the connection, and a peer that is
            // reset may discard messages it has not read yet. So: no more sends, and let onClose / onError report
            // the end; if neither comes within CLOSE_TIMEOUT, abort then.
            synchronized (lock) {
                if (state == ReadyState.OPEN) {
                    state = ReadyState.CLOSING;
                }
            }
            abortUnlessClosedWithin(CLOSE_TIMEOUT, "send failed: " + rootMessage(error));
        });
        return result;
    }

    @Override
    public void close(int code, String reason) {
        WebSocket ws;
        CompletableFuture<?> after;
        synchronized (lock) {
            if (state == ReadyState.CLOSING || state == ReadyState.CLOSED) {
                return;
            }
            if (state == ReadyState.CONNECTING) {
                state = ReadyState.CLOSED;
                ws = null;
                after = null;
            } else {
                state = ReadyState.CLOSING;
                ws = socket;
                after = lastSend;
            }
        }
        if (ws == null) {
            reportClosed(code, reason, false);
            return;
        }
        // After the send in progress (the JDK allows one outstanding send), so the peer gets every message taken.
        after.handle((v, e) -> ws.sendClose(code, reason)).thenCompose(s -> s).whenComplete((w, e) -> {
            if (e != null) {
                failed(1006, "close failed: " + rootMessage(e));
            }
        });
        // A peer that never answers the Close frame must not keep the connection forever.
        abortUnlessClosedWithin(CLOSE_TIMEOUT, "no answer to the Close frame within " + CLOSE_TIMEOUT.toSeconds() + " s");
    }

    private void abortUnlessClosedWithin(Duration timeout, String reason) {
        Cancellable timer = scheduler.schedule(() -> {
            boolean pending;
            synchronized (lock) {
                pending = !closedReported;
            }
            if (pending) {
                failed(1006, reason);
            }
        }, timeout);
        boolean cancelNow;
        synchronized (lock) {
            cancelNow = closedReported;
            if (!cancelNow) {
                closeTimers.add(timer);
            }
        }
        if (cancelNow) {
            timer.cancel();
        }
    }

    @Override
    public void abort() {
        WebSocket ws;
        synchronized (lock) {
            ws = socket;
        }
        if (ws != null) {
            ws.abort();
        }
        failed(1006, "aborted by client");
    }

    @Override
    public String describe() {
        return description;
    }

    private void failed(int code, String reason) {
        WebSocket ws;
        synchronized (lock) {
            state = ReadyState.CLOSED;
            ws = socket;
        }
        if (ws != null) {
            ws.abort();
        }
        reportClosed(code, reason, true);
    }

    private void reportClosed(int code, String reason, boolean abrupt) {
        List<Cancellable> timers;
        synchronized (lock) {
            if (closedReported) {
                return;
            }
            closedReported = true;
            state = ReadyState.CLOSED;
            partial.setLength(0);
            timers = List.copyOf(closeTimers);
            closeTimers.clear();
        }
        // closed in time: the watchdogs are not needed (and must not keep a task pending on the host's scheduler)
        timers.forEach(Cancellable::cancel);
        enqueue(l -> l.onClosed(code, reason, abrupt));
    }

    private void enqueue(java.util.function.Consumer<Listener> call) {
        synchronized (lock) {
            deliveries.addLast(() -> call.accept(listener));
            if (listener != null) {
                scheduler.execute(this::deliverOne);
            }
        }
    }

    private void deliverOne() {
        Runnable next;
        synchronized (lock) {
            if (delivering || deliveries.isEmpty() || listener == null) {
                return;
            }
            next = deliveries.pollFirst();
            delivering = true;
        }
        try {
            next.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "listener of " + description + " threw", e);
        } finally {
            synchronized (lock) {
                delivering = false;
                if (!deliveries.isEmpty()) {
                    scheduler.execute(this::deliverOne);
                }
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c != c.getCause()) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    /** Receives from the JDK WebSocket; the JDK calls it one frame at a time. */
    private final class JdkListener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            boolean opened;
            synchronized (lock) {
                socket = webSocket;
                opened = state == ReadyState.CONNECTING;
                if (opened) {
                    state = ReadyState.OPEN;
                }
            }
            if (opened) {
                enqueue(Listener::onOpen);
                webSocket.request(1);
            } else {
                // closed before the upgrade finished: nobody wants this connection any more
                webSocket.abort();
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            String whole = null;
            boolean tooBig = false;
            int total;
            synchronized (lock) {
                total = partial.length() + data.length();
                if (total > maxMessageChars) {
                    tooBig = true;
                    partial.setLength(0);
                } else if (last && partial.isEmpty()) {
                    whole = data.toString();
                } else {
                    partial.append(data);
                    if (last) {
                        whole = partial.toString();
                        partial.setLength(0);
                    }
                }
            }
            if (tooBig) {
                String reason = "message of at least " + total + " chars exceeds the limit of " + maxMessageChars;
                webSocket.sendClose(1009, "message too big");
                failed(1009, reason);
                return null;
            }
            if (whole != null) {
                String message = whole;
                enqueue(l -> l.onMessage(message));
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            webSocket.sendClose(1003, "binary frames are not part of this protocol");
            failed(1003, "server sent a binary frame; events are JSON text");
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            CompletableFuture<?> after;
            boolean echo;
            synchronized (lock) {
                echo = state == ReadyState.OPEN;
                state = ReadyState.CLOSED;
                after = lastSend;
            }
            if (echo) {
                // The server started the closing handshake: answer after the send in progress (RFC 6455 §5.5.1).
                after.handle((v, e) -> webSocket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
            }
            reportClosed(statusCode, reason, false);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failed(1006, "connection failed: " + rootMessage(error));
        }
    }
}
