package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.voice.internal.DefaultVoiceSession;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;

/**
 * A realtime voice session: sends {@link ClientEvent}s over an {@link EventChannel} and delivers the server's
 * {@link ServerEvent}s, across connection losses (seed 003).
 *
 * <h2>Outbound guarantees</h2>
 * <ul>
 *   <li><b>Queued until open.</b> {@link #send} never talks to a channel directly: it queues the event (giving it an
 *       {@code event_id} if it has none) and returns. Events sent while no channel is open wait.
 *   <li><b>One lane.</b> Every transport send, and every state change (channel attached, opened, closed,
 *       {@code connect}, {@code disconnect}), runs as an operation of one serial lane
 *       ({@link dev.interlock.api.guard.OperationQueue}); the lane waits for each send's stage. So the session state
 *       cannot change between the check "this channel is current and open" and the send, there is at most one send
 *       in progress, and the two paths that can find a channel open (attaching a channel that is already open; the
 *       channel's open event) both only ask the lane to pump: the queue is flushed once, in order, whichever comes
 *       first.
 *   <li><b>Nothing lost, nothing twice.</b> An event leaves the queue only when its send stage completed normally.
 *       If a send fails, or the channel closes mid-flush, that event and every later one stay queued, in order, for
 *       the next connection. No event is handed to a channel twice, and ids are checked against the queue and the
 *       last {@link Builder#correlationCapacity} sent ids.
 *   <li><b>Bounded.</b> See {@link OutboundLimits}: control events are never dropped (rejected at a hard cap); audio
 *       appends are shed oldest first beyond a byte budget.
 *   <li><b>Limit of the guarantee.</b> An event taken by a transport that then fails abruptly (no closing handshake)
 *       may not have reached the server; the Realtime protocol has no acknowledgement that would tell, so such an
 *       event is not re-sent (that could duplicate it). Graceful closes from either side lose nothing.
 * </ul>
 *
 * <h2>Inbound guarantees</h2>
 * Server events are decoded ({@link ServerEvent}; GA and beta names), de-duplicated by {@code event_id} within the
 * last {@link Builder#dedupCapacity} ids, and delivered to listeners one at a time in arrival order. Events of unknown
 * types are delivered as {@link ServerEvent.Unknown}; malformed messages are reported to
 * {@link Listener#onProtocolError}. {@code error} events are also given to {@link Listener#onError} with the client
 * event they name ({@code error.event_id}), if it is among the recently sent.
 *
 * <h2>Listeners</h2>
 * Listeners run on the session's scheduler or the transport's threads, one call at a time; they must not block and
 * must not call back into the session synchronously expecting a result. An exception thrown by a listener is logged
 * and does not affect the session or other listeners.
 */
public interface VoiceSession extends AutoCloseable {

    /** A builder for a session that opens channels with {@code connector}. */
    static Builder builder(ChannelConnector connector) {
        return new Builder(connector);
    }

    /**
     * Queues {@code event} for sending and returns its {@code event_id} (the event's own, or a new unique one).
     * Never blocks and never talks to the channel on the caller's stack.
     *
     * @throws OutboundQueueFullException if the event is a control event and the hard cap is reached
     * @throws IllegalArgumentException   if the event is larger than {@link OutboundLimits#maxEventChars()} or its
     *                                    {@code event_id} was already used by this session
     * @throws IllegalStateException      if the session is {@link SessionState#CLOSED} or {@link SessionState#FAILED}
     */
    String send(ClientEvent event);

    /**
     * Starts connecting (from {@code IDLE}); a no-op while connecting, open or reconnecting. The stage completes when
     * the lane has applied it (not when the channel is open); it fails with {@link IllegalStateException} in a
     * terminal state.
     */
    CompletionStage<Void> connect();

    /**
     * Closes the current channel gracefully after the send in progress, stops reconnecting and returns to
     * {@code IDLE}. Unsent events stay queued for the next {@link #connect()}.
     */
    CompletionStage<Void> disconnect();

    /** Like {@link #disconnect()}, then {@code CLOSED} for good. Idempotent. */
    @Override
    void close();

    /** The current state (a snapshot). */
    SessionState state();

    /** Completes once the outbound queue is empty and no send is in progress (never, if nothing can be sent). */
    CompletionStage<Void> drained();

    /** The events not yet sent, in order: e.g. to hand them to another session after {@code FAILED}. */
    List<ClientEvent> unsentEvents();

    /** Counters, for monitoring and tests. */
    Stats stats();

    /** Adds a listener; see the class documentation for the rules listeners follow. */
    void addListener(Listener listener);

    /** Removes a listener added before; returns whether it was there. */
    boolean removeListener(Listener listener);

    /** What a session reports. All methods have empty defaults. */
    interface Listener {
        /** The session moved from {@code from} to {@code to}. */
        default void onStateChanged(SessionState from, SessionState to) {
        }

        /** A server event (every one, including errors and unknown types; duplicates by event_id excepted). */
        default void onServerEvent(ServerEvent event) {
        }

        /** An {@code error} event, with the client event it names if the session still remembers it. */
        default void onError(ServerEvent.Error error, Optional<SentEvent> cause) {
        }

        /** An audio append was shed from the outbound queue under the audio budget; it will not be sent. */
        default void onAudioShed(ClientEvent shed) {
        }

        /** A message from the server could not be decoded; the description names what was wrong. */
        default void onProtocolError(String description) {
        }
    }

    /**
     * A client event the session sent recently.
     *
     * @param eventId the event's id
     * @param type    its type
     * @param event   the event itself, kept only if its JSON is at most 8 KiB characters (audio is not kept)
     */
    record SentEvent(String eventId, ClientEventType type, Optional<ClientEvent> event) {
    }

    /**
     * Counters since the session was built. Each is a snapshot.
     *
     * @param queued            events waiting (including one in progress)
     * @param sent              events taken by a channel
     * @param audioShed         audio appends shed under the budget
     * @param duplicatesDropped server events dropped as duplicates by event_id
     * @param connections       channels that opened
     * @param protocolErrors    server messages that could not be decoded
     */
    record Stats(int queued, long sent, long audioShed, long duplicatesDropped, long connections, long protocolErrors) {
    }

    /** Configures a session; {@link #scheduler} and {@link #guard} are required. */
    final class Builder {
        final ChannelConnector connector;
        Scheduler scheduler;
        ConcurrencyGuard guard;
        CredentialsProvider credentials = CredentialsProvider.fixed(Credentials.none());
        ReconnectPolicy reconnect = ReconnectPolicy.DEFAULTS;
        OutboundLimits limits = OutboundLimits.DEFAULTS;
        RandomGenerator random;
        String name = "voice-session";
        int dedupCapacity = 4_096;
        int correlationCapacity = 1_024;

        private Builder(ChannelConnector connector) {
            this.connector = Objects.requireNonNull(connector, "connector");
        }

        /** Time and execution (required). */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The guards the session takes its serial lane from (required; over the same scheduler). */
        public Builder guard(ConcurrencyGuard guard) {
            this.guard = Objects.requireNonNull(guard, "guard");
            return this;
        }

        /** Credentials for each attempt; default: none. */
        public Builder credentials(CredentialsProvider credentials) {
            this.credentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** Backoff and attempts; default {@link ReconnectPolicy#DEFAULTS}. */
        public Builder reconnect(ReconnectPolicy reconnect) {
            this.reconnect = Objects.requireNonNull(reconnect, "reconnect");
            return this;
        }

        /** Outbound bounds; default {@link OutboundLimits#DEFAULTS}. */
        public Builder outboundLimits(OutboundLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** The source of backoff jitter and of the session's id prefix; default: a new unseeded generator. */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** A name for logs and the lane. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** How many server event ids are remembered for de-duplication (default 4,096; at least 1). */
        public Builder dedupCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("dedupCapacity must be >= 1, got " + capacity);
            }
            this.dedupCapacity = capacity;
            return this;
        }

        /** How many sent client events are remembered for error correlation and id reuse (default 1,024; >= 1). */
        public Builder correlationCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("correlationCapacity must be >= 1, got " + capacity);
            }
            this.correlationCapacity = capacity;
            return this;
        }

        /**
         * Builds the session, in {@link SessionState#IDLE}.
         *
         * @throws IllegalStateException naming the missing setting if the scheduler or guard was not set
         */
        public VoiceSession build() {
            if (scheduler == null || guard == null) {
                throw new IllegalStateException("VoiceSession.Builder: " + (scheduler == null ? "scheduler(..)" : "guard(..)")
                        + " is required; the host binds both (Scheduler, ConcurrencyGuard)");
            }
            return new DefaultVoiceSession(connector, scheduler, guard, credentials, reconnect, limits,
                    random == null ? new java.util.SplittableRandom() : random, name, dedupCapacity,
                    correlationCapacity);
        }
    }
}
