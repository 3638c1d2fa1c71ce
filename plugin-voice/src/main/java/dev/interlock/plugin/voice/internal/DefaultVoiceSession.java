package dev.interlock.plugin.voice.internal;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.plugin.voice.ChannelConnector;
import dev.interlock.plugin.voice.ClientEvent;
import dev.interlock.plugin.voice.CredentialsProvider;
import dev.interlock.plugin.voice.EventChannel;
import dev.interlock.plugin.voice.OutboundLimits;
import dev.interlock.plugin.voice.ReconnectPolicy;
import dev.interlock.plugin.voice.ServerEvent;
import dev.interlock.plugin.voice.SessionState;
import dev.interlock.plugin.voice.VoiceSession;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * The session engine behind {@link VoiceSession}.
 *
 * <h2>Design (seed 003)</h2>
 * The seed's client checked {@code readyState} and then sent, from two open paths guarded by a {@code flushPending}
 * flag, and lost the rest of the queue when {@code send()} threw. Here:
 * <ol>
 *   <li>All session state ({@link #state}, {@link #current}, {@link #generation}, attempt counting, the retry timer)
 *       is confined to one {@link OperationQueue} lane: only lane operations read or write it, so there is no
 *       check-then-act window between "is this channel current and open?" and the send.
 *   <li>Sending is a lane operation ({@link #pump}) that takes one event at a time and returns a stage that completes
 *       after the last send's stage (at most {@link #MAX_SENDS_PER_PUMP} per operation), so the lane does not start
 *       anything else (a close, a disconnect, another pump) while a send is in progress. The
 *       {@link #pumpScheduled} flag only avoids flooding the lane with pump requests; correctness never depends on
 *       it, because a pump that finds nothing to do (or no open channel) returns at once.
 *   <li>Both open paths (attaching a channel that is already open, and the channel's {@code onOpen}) call
 *       {@link #opened}, which is idempotent per connection and only requests a pump.
 *   <li>An event leaves the {@link Outbox} only when its send completed normally; otherwise it is put back at the
 *       front. Every connection is a {@link Connection} with a generation: callbacks from a stale connection change
 *       nothing.
 *   <li>Ordering across connections: after {@code disconnect()} the old channel's closing handshake may still be
 *       delivering its last events to the server while a new connection opens. The new connection sends nothing
 *       until every channel this session closed has reported closed ({@link #draining}), which for a graceful close
 *       means the server has read everything before the Close frame. Found by the rapid connect/disconnect race
 *       test (a later event overtook an earlier one on the server).
 * </ol>
 */
public final class DefaultVoiceSession implements VoiceSession {

    private static final System.Logger LOG = System.getLogger(DefaultVoiceSession.class.getName());
    /** Lane capacity: pumps (at most one waiting) plus lifecycle operations (a few per connection and per call). */
    private static final int LANE_CAPACITY = 4_096;
    /** Most events one pump operation sends before it lets other lane operations run. */
    private static final int MAX_SENDS_PER_PUMP = 64;
    /** Largest event kept whole for error correlation, in chars. */
    private static final int MAX_CORRELATED_EVENT_CHARS = 8 * 1024;

    private final ChannelConnector connector;
    private final Scheduler scheduler;
    private final OperationQueue lane;
    private final CredentialsProvider credentials;
    private final ReconnectPolicy reconnect;
    private final OutboundLimits limits;
    private final RandomGenerator random;
    private final String name;
    private final Outbox outbox;
    private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ServerEventDecoder decoder = new ServerEventDecoder();
    private final String idPrefix;
    private final AtomicLong idCounter = new AtomicLong();
    private final AtomicBoolean pumpScheduled = new AtomicBoolean();

    // Guarded by `this` (inbound and the sent-id history are touched from transport threads and callers).
    private final BoundedRecents<String, Boolean> seenServerIds;
    private final BoundedRecents<String, SentEvent> recentlySent;

    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();

    // Lane-confined (written only by lane operations); volatile so that state() can read a snapshot.
    private volatile SessionState state = SessionState.IDLE;
    private Connection current;
    /** Connections this session closed that have not reported closed yet: sending waits for them (ordering). */
    private final java.util.Set<Connection> draining = new java.util.HashSet<>();
    private long generation;
    private int failedAttempts;
    private Cancellable retryTimer;

    /** One connection attempt and its channel. Fields are lane-confined. */
    private static final class Connection {
        final long generation;
        EventChannel channel;
        boolean open;
        boolean closed;

        Connection(long generation) {
            this.generation = generation;
        }
    }

    public DefaultVoiceSession(ChannelConnector connector, Scheduler scheduler, ConcurrencyGuard guard,
                               CredentialsProvider credentials, ReconnectPolicy reconnect, OutboundLimits limits,
                               RandomGenerator random, String name, int dedupCapacity, int correlationCapacity) {
        this.connector = Objects.requireNonNull(connector, "connector");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.reconnect = Objects.requireNonNull(reconnect, "reconnect");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.random = Objects.requireNonNull(random, "random");
        this.name = Objects.requireNonNull(name, "name");
        this.lane = guard.newOperationQueue(name + "/lane", LANE_CAPACITY);
        this.outbox = new Outbox(limits);
        this.seenServerIds = new BoundedRecents<>(dedupCapacity);
        this.recentlySent = new BoundedRecents<>(correlationCapacity);
        this.idPrefix = "evt_" + HexFormat.of().toHexDigits(random.nextInt()) + "_";
    }

    // ------------------------------------------------------------------------------------------------ public API

    @Override
    public String send(ClientEvent event) {
        Objects.requireNonNull(event, "event");
        SessionState s = state;
        if (s.isTerminal()) {
            throw new IllegalStateException("session '" + name + "' is " + s + "; " + event + " was not queued."
                    + (s == SessionState.FAILED ? " Build a new session (unsentEvents() hands over what is left)." : ""));
        }
        if (event.jsonLength() > limits.maxEventChars()) {
            throw new IllegalArgumentException(event + " is " + event.jsonLength() + " chars of JSON, over the limit "
                    + "maxEventChars=" + limits.maxEventChars() + "; split the audio into smaller appends");
        }
        ClientEvent stamped = event;
        if (event.eventId().isEmpty()) {
            stamped = event.withEventId(idPrefix + idCounter.incrementAndGet());
        } else {
            synchronized (this) {
                if (recentlySent.contains(event.eventId().get())) {
                    throw new IllegalArgumentException("event_id '" + event.eventId().get() + "' was already sent by "
                            + "session '" + name + "'; each client event needs its own id");
                }
            }
        }
        outbox.add(stamped, this::notifyShed);
        kickPump();
        return stamped.eventId().orElseThrow();
    }

    @Override
    public CompletionStage<Void> connect() {
        return lane.run(() -> {
            switch (state) {
                case IDLE -> startAttempt(SessionState.CONNECTING);
                case CONNECTING, OPEN, RECONNECTING -> { }
                case CLOSED, FAILED -> throw new IllegalStateException("session '" + name + "' is " + state
                        + "; it cannot connect again");
            }
        });
    }

    @Override
    public CompletionStage<Void> disconnect() {
        return lane.run(() -> {
            if (!state.isTerminal()) {
                dropConnection(1000, "client disconnect");
                setState(SessionState.IDLE);
            }
        });
    }

    @Override
    public void close() {
        lane.run(() -> {
            if (!state.isTerminal()) {
                dropConnection(1000, "client closed the session");
                setState(SessionState.CLOSED);
            }
        }).whenComplete((v, e) -> lane.close());
    }

    @Override
    public SessionState state() {
        return state;
    }

    @Override
    public CompletionStage<Void> drained() {
        return outbox.drained();
    }

    @Override
    public List<ClientEvent> unsentEvents() {
        return outbox.snapshot();
    }

    @Override
    public Stats stats() {
        return new Stats(outbox.size(), sent.get(), outbox.shed(), duplicates.get(), connections.get(),
                protocolErrors.get());
    }

    @Override
    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public boolean removeListener(Listener listener) {
        return listeners.remove(listener);
    }

    @Override
    public String toString() {
        return "VoiceSession[" + name + ", " + state + ", queued=" + outbox.size() + "]";
    }

    // --------------------------------------------------------------------------------- lane operations (lifecycle)

    /** Lane: starts a connection attempt with fresh credentials. */
    private void startAttempt(SessionState attemptState) {
        Connection conn = new Connection(++generation);
        current = conn;
        setState(attemptState);
        CompletionStage<EventChannel> opening;
        try {
            opening = credentials.credentials().thenCompose(connector::connect);
        } catch (RuntimeException e) {
            opening = CompletableFuture.failedFuture(e);
        }
        opening.whenComplete((channel, error) -> submit("attach", () -> attached(conn, channel, error), () -> {
            if (channel != null) {
                channel.abort();
            }
        }));
    }

    /** Lane: the connector answered for {@code conn}. */
    private void attached(Connection conn, EventChannel channel, Throwable error) {
        if (conn != current) {
            if (channel != null) {
                channel.close(1000, "superseded");
            }
            return;
        }
        if (error != null || channel == null) {
            LOG.log(System.Logger.Level.INFO, () -> "session '" + name + "': connection attempt failed: "
                    + describe(error));
            current = null;
            scheduleRetry();
            return;
        }
        conn.channel = channel;
        channel.start(new EventChannel.Listener() {
            @Override
            public void onOpen() {
                submit("open", () -> opened(conn), () -> { });
            }

            @Override
            public void onMessage(String text) {
                inbound(text);
            }

            @Override
            public void onClosed(int code, String reason, boolean abrupt) {
                submit("closed", () -> closed(conn, code, reason, abrupt), () -> { });
            }
        });
        // Path 1 of 2 to "open": the channel was already open when attached. Path 2 is onOpen above.
        if (channel.readyState() == EventChannel.ReadyState.OPEN) {
            opened(conn);
        }
    }

    /** Lane: {@code conn}'s channel is open (called by either open path; idempotent). */
    private void opened(Connection conn) {
        if (conn != current || conn.open || conn.closed) {
            return;
        }
        conn.open = true;
        failedAttempts = 0;
        connections.incrementAndGet();
        setState(SessionState.OPEN);
        kickPump();
    }

    /** Lane: {@code conn}'s channel closed. */
    private void closed(Connection conn, int code, String reason, boolean abrupt) {
        conn.closed = true;
        if (conn != current) {
            if (draining.remove(conn) && draining.isEmpty()) {
                kickPump();
            }
            return;
        }
        current = null;
        LOG.log(System.Logger.Level.INFO, () -> "session '" + name + "': channel closed (" + code + " " + reason
                + (abrupt ? ", abrupt" : "") + "); " + outbox.size() + " events waiting");
        scheduleRetry();
    }

    /** Lane: back off and try again, or give up. */
    private void scheduleRetry() {
        failedAttempts++;
        if (failedAttempts > reconnect.maxAttempts()) {
            LOG.log(System.Logger.Level.WARNING, () -> "session '" + name + "': giving up after "
                    + reconnect.maxAttempts() + " attempts; " + outbox.size() + " events unsent");
            setState(SessionState.FAILED);
            return;
        }
        setState(SessionState.RECONNECTING);
        Duration delay = reconnect.delay(failedAttempts, random);
        long gen = ++generation;
        retryTimer = scheduler.schedule(() -> submit("retry", () -> {
            if (generation == gen && state == SessionState.RECONNECTING) {
                retryTimer = null;
                startAttempt(SessionState.RECONNECTING);
            }
        }, () -> { }), delay);
    }

    /** Lane: forget the current connection (closing its channel gracefully) and any pending retry. */
    private void dropConnection(int code, String reason) {
        generation++;
        if (retryTimer != null) {
            retryTimer.cancel();
            retryTimer = null;
        }
        Connection conn = current;
        current = null;
        failedAttempts = 0;
        if (conn != null && conn.channel != null) {
            // No send is in progress: this runs in the lane, which waits for each send's stage.
            if (conn.open && !conn.closed) {
                draining.add(conn);
            }
            conn.channel.close(code, reason);
        }
    }

    // ------------------------------------------------------------------------------------- lane operations (send)

    private void kickPump() {
        if (pumpScheduled.compareAndSet(false, true)) {
            lane.submit(this::pump).exceptionally(e -> {
                pumpScheduled.set(false);
                LOG.log(System.Logger.Level.DEBUG, () -> "session '" + name + "': pump not run: " + describe(e));
                return null;
            });
        }
    }

    /** Lane: sends the head of the outbox over the current channel, if one is open. */
    private CompletionStage<Void> pump() {
        pumpScheduled.set(false);
        return sendFrom(current, 0);
    }

    /**
     * Lane (inside one pump operation): sends the head of the outbox over {@code conn}, then the next, up to
     * {@link #MAX_SENDS_PER_PUMP}; the lane is held until the last send's stage completed, so nothing can change the
     * session's state in between. The bound keeps {@code disconnect()} and channel events from waiting long.
     *
     * <p>Hot path: when the transport's stage is already complete when {@code send} returns (the JDK WebSocket
     * completes it in the caller's thread when the socket takes the frame at once), the next event is sent in the
     * same loop, with no dependent stage and no thread hop; only a send still in progress is continued from its
     * stage's completion.
     */
    private CompletionStage<Void> sendFrom(Connection conn, int sentInThisPump) {
        int sentHere = sentInThisPump;
        while (true) {
            if (conn == null || conn != current || !conn.open || conn.closed || !draining.isEmpty()) {
                // Nothing to send on; or a connection this session closed is still finishing its closing handshake:
                // the server must see all of the old connection's events before any on the new one.
                return CompletableFuture.completedFuture(null);
            }
            if (sentHere == MAX_SENDS_PER_PUMP) {
                kickPump();
                return CompletableFuture.completedFuture(null);
            }
            ClientEvent event = outbox.take();
            if (event == null) {
                return CompletableFuture.completedFuture(null);
            }
            // Remembered before the send: the server's error for it can arrive before the send's stage completes.
            remember(event);
            CompletableFuture<Void> sending;
            try {
                sending = conn.channel.send(event.toJson()).toCompletableFuture();
            } catch (RuntimeException e) {
                sending = CompletableFuture.failedFuture(e);
            }
            sentHere++;
            if (sending.isDone() && !sending.isCompletedExceptionally()) {
                taken(event);
                continue;
            }
            int next = sentHere;
            return sending.handle((ok, error) -> {
                if (error == null) {
                    taken(event);
                    return true;
                }
                notTaken(conn, event, error);
                return false;
            }).thenCompose(ok -> ok ? sendFrom(conn, next) : CompletableFuture.completedFuture(null));
        }
    }

    /** Lane: the channel took {@code event}: it leaves the outbox for good. */
    private void taken(ClientEvent event) {
        sent.incrementAndGet(); // before confirm: confirm completes drained(), whose waiters may read stats()
        outbox.confirm(event);
    }

    /** Lane: the channel did not take {@code event}: back to the front of the outbox, and this channel is done. */
    private void notTaken(Connection conn, ClientEvent event, Throwable error) {
        outbox.putBack(event);
        LOG.log(System.Logger.Level.INFO, () -> "session '" + name + "': send of " + event
                + " failed, kept for the next connection: " + describe(error));
        if (conn.channel.readyState() == EventChannel.ReadyState.OPEN) {
            conn.channel.close(1011, "send failed");
        }
    }

    private synchronized void remember(ClientEvent event) {
        String id = event.eventId().orElseThrow();
        recentlySent.add(id, new SentEvent(id, event.type(),
                event.jsonLength() <= MAX_CORRELATED_EVENT_CHARS ? Optional.of(event) : Optional.empty()));
    }

    // ---------------------------------------------------------------------------------------------------- inbound

    /** Any transport thread: one whole server message. Serialized on {@code this} across channels. */
    private synchronized void inbound(String text) {
        ServerEvent event;
        try {
            event = decoder.decode(text);
        } catch (ServerEventDecoder.MalformedEventException e) {
            protocolErrors.incrementAndGet();
            for (Listener l : listeners) {
                safely(() -> l.onProtocolError(e.getMessage()));
            }
            return;
        }
        if (event.eventId().isPresent() && !seenServerIds.add(event.eventId().get(), Boolean.TRUE)) {
            duplicates.incrementAndGet();
            return;
        }
        for (Listener l : listeners) {
            safely(() -> l.onServerEvent(event));
        }
        if (event instanceof ServerEvent.Error error) {
            Optional<SentEvent> cause = error.clientEventId().map(recentlySent::get);
            for (Listener l : listeners) {
                safely(() -> l.onError(error, cause));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    private void setState(SessionState to) {
        SessionState from = state;
        if (from == to) {
            return;
        }
        state = to;
        for (Listener l : listeners) {
            safely(() -> l.onStateChanged(from, to));
        }
    }

    private void notifyShed(ClientEvent e) {
        for (Listener l : listeners) {
            safely(() -> l.onAudioShed(e));
        }
    }

    /** Submits a lifecycle operation; if the lane refuses it (closed), runs {@code onRefused} instead. */
    private void submit(String what, Runnable op, Runnable onRefused) {
        lane.run(op).whenComplete((v, e) -> {
            if (e != null) {
                LOG.log(System.Logger.Level.DEBUG, () -> "session '" + name + "': " + what + " not applied: "
                        + describe(e));
                onRefused.run();
            }
        });
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "session '" + name + "': a listener threw", e);
        }
    }

    private static String describe(Throwable e) {
        if (e == null) {
            return "no channel";
        }
        Throwable c = e;
        while ((c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
