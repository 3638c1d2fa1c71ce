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
 *   <li>Liveness: with a {@code keepAlive} interval, a connection that has been silent that long gets a Ping; if
 *       nothing at all arrives within another interval, or the Ping cannot be written, the connection is declared
 *       dead and reported closed (abrupt). Without it a half-open connection (the peer reset it and the JDK never
 *       reported the reset, or the peer vanished) would look open for as long as this side has nothing to send.
 * </ul>
 * Credentials go into the upgrade request's headers and nowhere else (not into {@link #describe()} or errors).
 */
public final class WebSocketEventChannel implements EventChannel {

    private static final System.Logger LOG = System.getLogger(WebSocketEventChannel.class.getName());

    /** How long a graceful close waits for the peer's Close frame before aborting the connection. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /**
     * How long a channel whose send failed waits for the JDK to report the end of the connection (onClose/onError,
     * with the real code and reason, and any server events still buffered) before aborting it itself.
     *
     * <p>Short, because a send fails only on a broken transport: when the peer's Close frame arrives, the JDK calls
     * {@code onClose} (and this channel stops sending) before it closes its output, so a graceful close never gets
     * here. After a TCP reset the JDK sometimes never tells its listener (seen on JDK 25: the write fails with
     * "closed output" while the read side stays silent); without this bound the session would believe a dead
     * connection open and hold its queue (the voice demo stalled that way).
     */
    static final Duration SEND_FAILURE_GRACE = Duration.ofMillis(500);

    /** RFC 6455 §7.4.1 "abnormal closure": the status the JDK reports when no Close frame was received. */
    private static final int ABNORMAL_CLOSURE = 1006;

    private static final byte[] PING_PAYLOAD = "interlock-keepalive".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Scheduler scheduler;
    private final int maxMessageChars;
    private final String description;
    /** Silence after which a Ping is sent, and the longest wait for anything after it; 0 = no keep-alive. */
    private final long keepAliveNanos;
    private final Object lock = new Object();
    /** When anything (a message, a Ping, a Pong, the open) last arrived; {@link Scheduler#nanoTime()}. */
    private volatile long lastHeardNanos;

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
    /** When the outstanding keep-alive Ping was sent, 0 if none is. */
    private long pingSentNanos;
    private Cancellable keepAliveTimer;

    private WebSocketEventChannel(Scheduler scheduler, int maxMessageChars, String description, Duration keepAlive) {
        this.scheduler = scheduler;
        this.maxMessageChars = maxMessageChars;
        this.description = description;
        this.keepAliveNanos = keepAlive.toNanos();
    }

    /**
     * Starts opening a WebSocket to {@code uri}; the channel is returned at once in {@code CONNECTING}.
     *
     * @param client    the HTTP client (its executor should be the host's scheduler)
     * @param headers   upgrade request headers, e.g. {@code Authorization} (secrets: never logged)
     * @param keepAlive silence after which a Ping is sent and, after it, the longest wait for anything to arrive
     *                  before the connection is declared dead; {@link Duration#ZERO} turns the keep-alive off
     */
    public static WebSocketEventChannel open(HttpClient client, Scheduler scheduler, URI uri, Map<String, String> headers,
                                             Duration connectTimeout, int maxMessageChars, Duration keepAlive) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(keepAlive, "keepAlive");
        if (maxMessageChars < 1) {
            throw new IllegalArgumentException("maxMessageChars must be >= 1, got " + maxMessageChars);
        }
        if (keepAlive.isNegative()) {
            throw new IllegalArgumentException("keepAlive must be positive (or zero: off), got " + keepAlive);
        }
        String shown = uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                + (uri.getRawPath() == null ? "" : uri.getRawPath());
        WebSocketEventChannel channel = new WebSocketEventChannel(scheduler, maxMessageChars, "websocket:" + shown,
                keepAlive);
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
            // The transport broke (a graceful close reports onClose before the JDK closes its output, and stops our
            // sends first). No more sends; let onClose / onError report the end with what the JDK knows, and abort
            // if neither comes within SEND_FAILURE_GRACE (after a reset the JDK may never report it).
            transportBroke("send failed: " + rootMessage(error));
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

    // ------------------------------------------------------------------------------------------------ keep-alive

    private void scheduleKeepAlive() {
        if (keepAliveNanos == 0) {
            return;
        }
        Cancellable timer = scheduler.schedule(this::checkAlive, Duration.ofNanos(keepAliveNanos));
        boolean cancelNow;
        synchronized (lock) {
            cancelNow = closedReported;
            if (!cancelNow) {
                keepAliveTimer = timer;
            }
        }
        if (cancelNow) {
            timer.cancel();
        }
    }

    /** Timer: Ping a silent connection; declare it dead if its last Ping went unanswered for a whole interval. */
    private void checkAlive() {
        long now = scheduler.nanoTime();
        WebSocket ws;
        boolean dead = false;
        boolean ping = false;
        synchronized (lock) {
            if (closedReported || state != ReadyState.OPEN) {
                return; // closing has its own timers
            }
            ws = socket;
            long heard = lastHeardNanos;
            if (pingSentNanos != 0 && heard - pingSentNanos < 0) {
                dead = now - pingSentNanos >= keepAliveNanos;
            } else if (now - heard >= keepAliveNanos) {
                ping = true;
                pingSentNanos = now;
            } else {
                pingSentNanos = 0;
            }
        }
        if (dead) {
            failed(1006, "nothing received within " + Duration.ofNanos(keepAliveNanos).toMillis()
                    + " ms of a keep-alive Ping: the connection is dead");
            return;
        }
        if (ping) {
            CompletableFuture<WebSocket> sent;
            try {
                sent = ws.sendPing(ByteBuffer.wrap(PING_PAYLOAD));
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((w, error) -> {
                // IllegalStateException: the JDK is answering a Ping of the peer's right now; try at the next tick
                if (error != null && !(rootCause(error) instanceof IllegalStateException)) {
                    transportBroke("keep-alive Ping failed: " + rootMessage(error));
                }
            });
        }
        scheduleKeepAlive();
    }

    /** A write failed: no more sends; the JDK has {@link #SEND_FAILURE_GRACE} to report the end, then we abort. */
    private void transportBroke(String reason) {
        synchronized (lock) {
            if (state == ReadyState.OPEN) {
                state = ReadyState.CLOSING;
            }
        }
        abortUnlessClosedWithin(SEND_FAILURE_GRACE, reason);
    }

    private void heard() {
        lastHeardNanos = scheduler.nanoTime();
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
            timers = new ArrayList<>(closeTimers);
            closeTimers.clear();
            if (keepAliveTimer != null) {
                timers.add(keepAliveTimer);
                keepAliveTimer = null;
            }
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
        Throwable c = rootCause(e);
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private static Throwable rootCause(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c != c.getCause()) {
            c = c.getCause();
        }
        return c;
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
                heard();
                enqueue(Listener::onOpen);
                scheduleKeepAlive();
                webSocket.request(1);
            } else {
                // closed before the upgrade finished: nobody wants this connection any more
                webSocket.abort();
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            heard();
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
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            heard(); // the JDK answers with a Pong itself
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
            heard();
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
            // 1006 is never sent in a Close frame (RFC 6455 §7.4.1): the JDK reports it when the connection ended
            // without one (the peer reset or closed the TCP connection), an abrupt end with nothing to answer.
            boolean abrupt = statusCode == ABNORMAL_CLOSURE;
            CompletableFuture<?> after;
            boolean echo;
            synchronized (lock) {
                echo = state == ReadyState.OPEN && !abrupt;
                state = ReadyState.CLOSED;
                after = lastSend;
            }
            if (echo) {
                // The server started the closing handshake: answer after the send in progress (RFC 6455 §5.5.1).
                after.handle((v, e) -> webSocket.sendClose(WebSocket.NORMAL_CLOSURE, ""));
            }
            reportClosed(statusCode, abrupt && reason.isEmpty() ? "connection ended without a Close frame" : reason,
                    abrupt);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            failed(1006, "connection failed: " + rootMessage(error));
        }
    }
}
