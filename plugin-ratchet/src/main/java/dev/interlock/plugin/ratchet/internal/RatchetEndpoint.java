package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.guard.QueueFullException;
import dev.interlock.api.guard.Watch;
import dev.interlock.plugin.ratchet.ChannelClosedException;
import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.FrameRejectedException.Reason;
import dev.interlock.plugin.ratchet.FrameTransport;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetException;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.RatchetStatus;
import dev.interlock.plugin.ratchet.RekeyState;
import dev.interlock.plugin.ratchet.RekeyTimeoutException;
import dev.interlock.plugin.ratchet.Side;
import dev.interlock.plugin.ratchet.internal.Message.AliceToBob;
import dev.interlock.plugin.ratchet.internal.Message.App;
import dev.interlock.plugin.ratchet.internal.Message.BobToAlice;
import dev.interlock.plugin.ratchet.internal.Message.LeaderCanFinish;
import dev.interlock.plugin.ratchet.internal.Message.LoserCanFinish;
import dev.interlock.plugin.ratchet.internal.Message.Meta;
import dev.interlock.plugin.ratchet.internal.Message.Truncate;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The ratchet engine behind {@link RatchetChannel}: one endpoint's rekey state machine, key window and lane.
 *
 * <h2>Design</h2>
 * All state below the "lane-confined" marker is touched only by operations of {@link #lane} (an
 * {@link OperationQueue}): every inbound frame, {@link #triggerRekey}, {@link #send}, and the peer-closed notice. None
 * of them waits on the network, so a round trip never holds the lane, and because the lane is FIFO, frames are handled
 * in the order the peer sent them (the transport is in order). After the lane terminates, {@link #terminate()} runs
 * once and completes every waiter.
 *
 * <p>Rekey completion is published on {@link #completed}, a {@link Watch} of the newest completed version. A
 * {@code triggerRekey} caller subscribes with {@code awaitAtLeast(target, remaining)} inside its lane operation,
 * before that operation sends anything (seed 001 fix #1), and the watch's timer bounds the total wait. One rekey per
 * endpoint at a time is enforced by the lane itself: a caller that finds a round in flight (PROPOSED, LEADING or
 * FOLLOWING) joins it by waiting for that round's version instead of starting another.
 *
 * <h2>How the seed's deadlocks are excluded</h2>
 * <ul>
 *   <li>Fix #5 (Leader receives a stale AliceToBob without a constructor): a Leader (PROPOSED or LEADING) that has no
 *       pending exchange for the proposed version ignores the message as stale; an IDLE endpoint answers it as a new
 *       rekey (fix #6 part 2).
 *   <li>Fix #6 (Loser keeps an unused constructor): the pending exchange is discarded when the tie-break is lost and
 *       again on every completion path (Truncate, LoserCanFinish, LeaderCanFinish), and the invariant "IDLE implies
 *       no pending exchange" is checked on every completion.
 *   <li>Simultaneous proposals of the same version are resolved by {@link Side#winsTieBreak()}; both ends see both
 *       proposals, so both reach the same decision without another message.
 * </ul>
 */
public final class RatchetEndpoint implements RatchetChannel {

    private static final System.Logger LOG = System.getLogger(RatchetEndpoint.class.getName());

    private final String name;
    private final Side side;
    private final RatchetOptions options;
    private final KeyExchange keyExchange;
    private final Scheduler scheduler;
    private final OperationQueue lane;
    private final Watch completed;
    private final FrameTransport transport;
    private final Consumer<byte[]> onMessage;
    private final Consumer<FrameRejectedException> onRejected;
    private final MessageCodec codec;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closedFuture = new CompletableFuture<>();
    private volatile RekeyState terminalState = RekeyState.CLOSED;
    private volatile String closeReason = "";
    private volatile Throwable terminalCause;
    private volatile RatchetStatus status;

    // ---- lane-confined state ----
    private final KeyChain keys;
    private final TreeMap<Long, PendingExchange> pending = new TreeMap<>();
    private RekeyState state = RekeyState.IDLE;
    private long roundVersion;
    private int staleThisRound;
    private long staleTotal;
    private long rejectedTotal;
    private long messagesSent;
    private long messagesDelivered;

    /** Our own proposal in flight: the reference's "constructor" for version {@code version}. */
    private record PendingExchange(long version, KeyExchange.PendingKey key, byte[] publicKey) {
    }

    private RatchetEndpoint(String name, Side side, byte[] sessionSecret, FrameTransport transport,
                            KeyExchange keyExchange, RatchetOptions options, ConcurrencyGuard guard,
                            Consumer<byte[]> onMessage, Consumer<FrameRejectedException> onRejected) {
        this.name = name;
        this.side = side;
        this.options = options;
        this.keyExchange = keyExchange;
        this.scheduler = guard.scheduler();
        this.transport = transport;
        this.onMessage = onMessage;
        this.onRejected = onRejected;
        this.lane = guard.newOperationQueue(name + " lane", options.laneCapacity());
        this.completed = guard.newWatch(name + " completed version", 0);
        this.keys = new KeyChain(side, sessionSecret, options.replayWindow());
        this.codec = new MessageCodec(keyExchange.publicKeyLength(), keyExchange.ciphertextLength(),
                options.maxPayload());
    }

    /** Creates the endpoint and starts its transport; see {@link RatchetChannel.Builder#open()}. */
    public static RatchetChannel open(String name, Side side, byte[] sessionSecret, FrameTransport transport,
                                      KeyExchange keyExchange, RatchetOptions options, ConcurrencyGuard guard,
                                      Consumer<byte[]> onMessage, Consumer<FrameRejectedException> onRejected) {
        RatchetEndpoint endpoint = new RatchetEndpoint(name, side, sessionSecret, transport, keyExchange, options,
                guard, onMessage, onRejected);
        endpoint.publish();
        transport.start(endpoint.new Inbound());
        return endpoint;
    }

    // =====================================================================================================
    // API
    // =====================================================================================================

    @Override
    public String name() {
        return name;
    }

    @Override
    public CompletionStage<Long> triggerRekey() {
        return triggerRekey(null);
    }

    @Override
    public CompletionStage<Long> triggerRekey(byte[] payload) {
        byte[] copy = payload == null ? null : checkPayload(payload).clone();
        long deadline = scheduler.nanoTime() + options.rekeyTimeout().toNanos();
        CompletableFuture<Long> result = new CompletableFuture<>();
        CompletionStage<CompletionStage<Long>> operation;
        try {
            operation = lane.call(() -> startOrJoin(copy, deadline));
        } catch (RuntimeException e) {
            result.completeExceptionally(translate(e, "triggerRekey"));
            return result;
        }
        operation.whenComplete((waiter, failure) -> {
            if (failure != null) {
                result.completeExceptionally(translate(failure, "triggerRekey"));
            } else {
                waiter.whenComplete((version, waitFailure) -> {
                    if (waitFailure != null) {
                        result.completeExceptionally(unwrap(waitFailure));
                    } else {
                        result.complete(version);
                    }
                });
            }
        });
        return result;
    }

    @Override
    public CompletionStage<Void> send(byte[] payload) {
        byte[] copy = checkPayload(payload).clone();
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            lane.<Void>call(() -> {
                if (closing.get() || state.isTerminal()) {
                    throw closedException("send", null);
                }
                sendFrame(new App(copy));
                messagesSent++;
                publish();
                return null;
            }).whenComplete((ignored, failure) -> {
                if (failure != null) {
                    result.completeExceptionally(translate(failure, "send"));
                } else {
                    result.complete(null);
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(translate(e, "send"));
        }
        return result;
    }

    @Override
    public long version() {
        return status.latest();
    }

    @Override
    public RatchetStatus status() {
        return status;
    }

    @Override
    public CompletionStage<Void> close() {
        shutdown(RekeyState.CLOSED, null, "closed by the application");
        return closedFuture.minimalCompletionStage();
    }

    @Override
    public CompletionStage<Void> closed() {
        return closedFuture.minimalCompletionStage();
    }

    @Override
    public String toString() {
        return "RatchetChannel[" + status + "]";
    }

    private byte[] checkPayload(byte[] payload) {
        Objects.requireNonNull(payload, "payload");
        if (payload.length > options.maxPayload()) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds maxPayload "
                    + options.maxPayload() + " of channel '" + name + "'; split it or raise RatchetOptions.maxPayload");
        }
        return payload;
    }

    // =====================================================================================================
    // Lane operations: rekey start/join
    // =====================================================================================================

    private CompletionStage<Long> startOrJoin(byte[] payload, long deadline) {
        if (closing.get() || state.isTerminal()) {
            throw closedException("triggerRekey", null);
        }
        long remaining = deadline - scheduler.nanoTime();
        boolean start = state == RekeyState.IDLE;
        long target = switch (state) {
            case IDLE, PROPOSED -> keys.latest() + 1;
            default -> roundVersion;
        };
        if (remaining <= 0) {
            return CompletableFuture.failedStage(timeout(target));
        }
        KeyExchange.PendingKey key = start ? keyExchange.generate() : null;
        // Subscribe BEFORE anything is sent (seed 001 fix #1): the watch keeps the version, so even a round that
        // completes before this stage is used is observed.
        CompletionStage<Long> waiter = completed.awaitAtLeast(target, Duration.ofNanos(remaining))
                .exceptionallyCompose(e -> CompletableFuture.failedStage(translateWait(e, target)));
        if (start) {
            if (!pending.isEmpty()) {
                key.close();
                throw new IllegalStateException("invariant broken on channel '" + name + "': IDLE with pending "
                        + "exchanges for versions " + pending.keySet());
            }
            byte[] publicKey = key.publicKey();
            pending.put(target, new PendingExchange(target, key, publicKey));
            state = RekeyState.PROPOSED;
            roundVersion = target;
            sendFrame(new AliceToBob(meta(), target, publicKey, payload));
        } else if (payload != null) {
            sendFrame(new App(payload));
            messagesSent++;
        }
        publish();
        return waiter;
    }

    // =====================================================================================================
    // Lane operations: inbound frames
    // =====================================================================================================

    /** Receives from the transport; never throws (seed 001 fix #3: no background task fails on shutdown). */
    private final class Inbound implements FrameTransport.Listener {
        @Override
        public void onFrame(byte[] frame) {
            if (closing.get()) {
                return;
            }
            try {
                lane.run(() -> handleFrame(frame)).whenComplete((ignored, e) -> {
                    if (e != null) {
                        inboundNotRun(e);
                    }
                });
            } catch (RuntimeException e) {
                inboundNotRun(e);
            }
        }

        @Override
        public void onClosed(Throwable cause) {
            if (closing.get()) {
                return;
            }
            RekeyState terminal = cause == null ? RekeyState.CLOSED : RekeyState.FAILED;
            String reason = cause == null ? "the peer closed the connection"
                    : "the transport " + transport.describe() + " failed: " + cause.getMessage();
            // Through the lane, so that every frame that arrived before the close is handled first.
            try {
                lane.run(() -> shutdown(terminal, cause, reason)).whenComplete((ignored, e) -> {
                    if (e != null) {
                        shutdown(terminal, cause, reason);
                    }
                });
            } catch (RuntimeException e) {
                shutdown(terminal, cause, reason);
            }
        }
    }

    private void inboundNotRun(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof GuardClosedException || closing.get()) {
            return;
        }
        if (cause instanceof QueueFullException) {
            shutdown(RekeyState.FAILED, cause, "the peer overran the inbound lane (more than "
                    + options.laneCapacity() + " frames waiting)");
        } else {
            shutdown(RekeyState.FAILED, cause, "an inbound frame could not be queued: " + cause);
        }
    }

    private void handleFrame(byte[] frame) {
        if (closing.get() || state.isTerminal()) {
            return;
        }
        try {
            KeyChain.Opened opened = keys.open(frame);
            dispatch(codec.decode(opened.type(), opened.body()));
        } catch (FrameRejectedException e) {
            reject(e);
        } catch (ChannelClosedException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": stopped handling a frame: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": failing the channel on an unexpected error", e);
            shutdown(RekeyState.FAILED, e, "unexpected error while handling a frame: " + e);
        } finally {
            publish();
        }
    }

    private void dispatch(Message message) {
        switch (message) {
            case App app -> deliver(app.payload());
            case AliceToBob m -> onAliceToBob(m);
            case BobToAlice m -> onBobToAlice(m);
            case Truncate m -> onTruncate(m);
            case LoserCanFinish m -> onLoserCanFinish(m);
            case LeaderCanFinish m -> onLeaderCanFinish(m);
        }
    }

    private void onAliceToBob(AliceToBob m) {
        if (m.payload() != null) {
            deliver(m.payload()); // authenticated and replay-checked: delivered exactly once, even if m is stale
        }
        checkNotAhead(m.meta(), "AliceToBob");
        if (m.next() != m.meta().latest() + 1) {
            throw unexpected("AliceToBob proposes version " + m.next() + " from the peer's latest "
                    + m.meta().latest());
        }
        if (m.meta().latest() < keys.latest()) {
            stale(m, "the peer is behind (its latest " + m.meta().latest() + ", ours " + keys.latest() + ")");
            return;
        }
        switch (state) {
            case IDLE -> answer(m); // a new, legitimate rekey (seed 001 fix #6, part 2)
            case PROPOSED, LEADING -> {
                if (!pending.containsKey(m.next())) {
                    // A Leader without a matching pending exchange: stale (seed 001 fix #5).
                    stale(m, "a Leader without a pending exchange for version " + m.next());
                } else if (side.winsTieBreak()) {
                    stale(m, "simultaneous proposals of version " + m.next() + ": ours wins the tie-break");
                } else {
                    discardPending("lost the tie-break for version " + m.next());
                    answer(m);
                }
            }
            case FOLLOWING -> throw unexpected("AliceToBob for version " + m.next() + " while following round "
                    + roundVersion + " (the peer must send LeaderCanFinish first; was the transport reordered?)");
            case CLOSED, FAILED -> { }
        }
    }

    /** Bob's half: encapsulate, answer under the current version, then commit the next one as Loser. */
    private void answer(AliceToBob m) {
        KeyExchange.Encapsulation encapsulation;
        try {
            encapsulation = keyExchange.encapsulate(m.publicKey());
        } catch (IllegalArgumentException e) {
            throw new FrameRejectedException(Reason.MALFORMED, "AliceToBob for version " + m.next() + ": "
                    + e.getMessage());
        }
        byte[] secret = keys.nextSecret(encapsulation.sharedSecret(), m.publicKey(), encapsulation.ciphertext());
        Arrays.fill(encapsulation.sharedSecret(), (byte) 0);
        sendFrame(new BobToAlice(meta(), m.next(), encapsulation.ciphertext()));
        keys.commit(secret);
        roundVersion = m.next();
        state = RekeyState.FOLLOWING;
    }

    private void onBobToAlice(BobToAlice m) {
        checkNotAhead(m.meta(), "BobToAlice");
        PendingExchange exchange = pending.get(m.next());
        if (state != RekeyState.PROPOSED || exchange == null || m.next() != keys.latest() + 1) {
            throw unexpected("BobToAlice for version " + m.next() + " in state " + state + " (latest "
                    + keys.latest() + ", pending " + pending.keySet() + ")");
        }
        pending.remove(m.next());
        byte[] kemSecret;
        try {
            kemSecret = exchange.key().decapsulate(m.ciphertext());
        } finally {
            exchange.key().close();
        }
        byte[] secret = keys.nextSecret(kemSecret, exchange.publicKey(), m.ciphertext());
        Arrays.fill(kemSecret, (byte) 0);
        long version = keys.commit(secret);
        roundVersion = version;
        state = RekeyState.LEADING;
        long dropThrough = keys.latest() - options.window();
        if (dropThrough >= keys.earliest()) {
            keys.dropThrough(dropThrough); // the Leader drops locally before telling the Loser to
            sendFrame(new Truncate(meta(), version, dropThrough));
        } else {
            sendFrame(new LoserCanFinish(meta(), version));
        }
    }

    private void onTruncate(Truncate m) {
        checkNotAhead(m.meta(), "Truncate");
        expectFollowing(m.version(), "Truncate");
        if (m.dropThrough() >= keys.latest()) {
            throw unexpected("Truncate through version " + m.dropThrough() + " would drop the newest version "
                    + keys.latest());
        }
        keys.dropThrough(m.dropThrough());
        finishAsLoser(m.version());
    }

    private void onLoserCanFinish(LoserCanFinish m) {
        checkNotAhead(m.meta(), "LoserCanFinish");
        expectFollowing(m.version(), "LoserCanFinish");
        finishAsLoser(m.version());
    }

    private void finishAsLoser(long version) {
        discardPending("Loser completed version " + version); // seed 001 fix #6: every completion path
        sendFrame(new LeaderCanFinish(meta(), version));
        complete(version);
    }

    private void onLeaderCanFinish(LeaderCanFinish m) {
        checkNotAhead(m.meta(), "LeaderCanFinish");
        if (state != RekeyState.LEADING || m.version() != roundVersion) {
            throw unexpected("LeaderCanFinish for version " + m.version() + " in state " + state + " (round "
                    + roundVersion + ")");
        }
        discardPending("Leader completed version " + m.version());
        complete(m.version());
    }

    private void complete(long version) {
        if (!pending.isEmpty()) {
            throw new IllegalStateException("invariant broken on channel '" + name + "': pending exchanges "
                    + pending.keySet() + " survive the completion of version " + version);
        }
        state = RekeyState.IDLE;
        staleThisRound = 0;
        completed.advanceTo(version);
    }

    private void expectFollowing(long version, String what) {
        if (state != RekeyState.FOLLOWING || version != roundVersion) {
            throw unexpected(what + " for version " + version + " in state " + state + " (round " + roundVersion
                    + ")");
        }
    }

    private void checkNotAhead(Meta meta, String what) {
        if (meta.latest() > keys.latest()) {
            throw new FrameRejectedException(Reason.PEER_AHEAD, what + " from a peer at version " + meta.latest()
                    + ", ahead of our newest version " + keys.latest());
        }
    }

    private void discardPending(String why) {
        if (!pending.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": discarding pending exchanges " + pending.keySet()
                    + ": " + why);
            pending.values().forEach(p -> p.key().close());
            pending.clear();
        }
    }

    private void stale(AliceToBob m, String why) {
        staleTotal++;
        staleThisRound++;
        LOG.log(System.Logger.Level.DEBUG, () -> name + ": ignoring stale AliceToBob for version " + m.next()
                + ": " + why);
        if (staleThisRound > options.maxStaleMessages()) {
            shutdown(RekeyState.FAILED, null, "more than " + options.maxStaleMessages()
                    + " stale AliceToBob messages in one round (last: " + why + ")");
        }
    }

    private FrameRejectedException unexpected(String message) {
        return new FrameRejectedException(Reason.UNEXPECTED, message);
    }

    private void reject(FrameRejectedException e) {
        rejectedTotal++;
        LOG.log(System.Logger.Level.DEBUG, () -> name + ": rejected a frame: " + e.getMessage());
        try {
            onRejected.accept(e);
        } catch (RuntimeException listenerFailure) {
            LOG.log(System.Logger.Level.WARNING, name + ": rejection listener threw", listenerFailure);
        }
    }

    private void deliver(byte[] payload) {
        messagesDelivered++;
        try {
            onMessage.accept(payload);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, name + ": message listener threw", e);
        }
    }

    private Meta meta() {
        return new Meta(keys.earliest(), keys.latest());
    }

    /** Seals under the newest version and queues on the transport; a dead transport shuts the channel down. */
    private void sendFrame(Message message) {
        if (closing.get()) {
            throw closedException("sending " + message.getClass().getSimpleName(), null);
        }
        byte[] frame = keys.seal(message.type(), codec.encode(message));
        try {
            transport.send(frame);
        } catch (IllegalStateException e) {
            // Closed underneath us, or its outbound queue is full: either way this frame is lost, so the session
            // cannot stay consistent; fail rather than carry on with a gap.
            shutdown(RekeyState.FAILED, e, "the transport " + transport.describe() + " refused a frame: "
                    + e.getMessage());
            throw closedException("sending " + message.getClass().getSimpleName(), e);
        }
    }

    // =====================================================================================================
    // Shutdown
    // =====================================================================================================

    private void shutdown(RekeyState terminal, Throwable cause, String reason) {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        terminalState = terminal;
        terminalCause = cause;
        closeReason = reason;
        if (terminal == RekeyState.FAILED) {
            LOG.log(System.Logger.Level.WARNING, name + " failed: " + reason);
        } else {
            LOG.log(System.Logger.Level.DEBUG, () -> name + " closing: " + reason);
        }
        lane.close();
        lane.terminated().whenComplete((ignored, e) -> terminate());
    }

    /** Runs once, after the lane's last operation: completes every waiter and releases keys and transport. */
    private void terminate() {
        try {
            state = terminalState;
            pending.values().forEach(p -> p.key().close());
            pending.clear();
            keys.destroy();
            completed.close();
            try {
                transport.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> name + ": transport close failed: " + e);
            }
            publish();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, name + ": error while terminating", e);
        } finally {
            closedFuture.complete(null);
        }
    }

    private ChannelClosedException closedException(String operation, Throwable cause) {
        Throwable reported = cause != null ? cause : terminalCause;
        String reason = closeReason.isEmpty() ? "closed" : closeReason;
        String message = "channel '" + name + "' is " + (terminalState == RekeyState.FAILED ? "failed" : "closed")
                + " (" + reason + "); " + operation + " cannot complete";
        return reported == null ? new ChannelClosedException(message) : new ChannelClosedException(message, reported);
    }

    private Throwable translate(Throwable failure, String operation) {
        Throwable cause = unwrap(failure);
        if (cause instanceof RatchetException) {
            return cause;
        }
        if (cause instanceof GuardClosedException) {
            return closedException(operation, terminalCause != null ? terminalCause : cause);
        }
        return cause;
    }

    private Throwable translateWait(Throwable failure, long target) {
        Throwable cause = unwrap(failure);
        if (cause instanceof GuardTimeoutException) {
            return timeout(target);
        }
        return translate(cause, "waiting for version " + target);
    }

    private RekeyTimeoutException timeout(long target) {
        RatchetStatus s = status;
        return new RekeyTimeoutException("channel '" + name + "': rekey to version " + target
                + " did not complete within " + options.rekeyTimeout() + " (completed version " + s.completed()
                + ", state " + s.state() + ", window " + s.earliest() + ".." + s.latest() + ")");
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    private void publish() {
        status = new RatchetStatus(name, side, state, keys.earliest(), keys.latest(), completed.get(),
                pending.size(), staleTotal, rejectedTotal, messagesSent, messagesDelivered);
    }
}
