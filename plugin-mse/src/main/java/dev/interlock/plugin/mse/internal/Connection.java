package dev.interlock.plugin.mse.internal;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.guard.QueueFullException;
import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.MseException;
import dev.interlock.plugin.mse.MseSession;
import dev.interlock.plugin.mse.MseTransport;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One connection: a transport, its {@link HandshakeEngine}, and the {@link OperationQueue} through which every input
 * reaches the engine (received chunks, the timeout, the peer's close, handler registration). After the handshakes it
 * is the {@link MseSession}.
 *
 * <p>Bounds: at most {@value #MAX_PENDING_BYTES} received bytes may wait in the lane (while a step runs, or while a
 * slow handler holds the lane); beyond that the connection fails with {@link MseException.Flood}, as it does when the
 * lane rejects a chunk. On failure the transport is closed, the timer cancelled and the lane closed (pending chunks
 * dropped); a failure the engine detects also releases its buffer at once, and after a failure detected outside the
 * lane (flood) the engine is no longer reachable from the transport, the lane or the timer.
 *
 * <p>Failures other than {@link MseException} (a bug) are logged at ERROR and fail the stage with that exception.
 */
public final class Connection implements HandshakeEngine.Listener, MseSession {

    /** Received bytes that may wait in the lane at once. */
    public static final int MAX_PENDING_BYTES = 256 * 1024;
    /** Operations that may wait in the lane (chunks of a byte-at-a-time feed count one each). */
    static final int QUEUE_CAPACITY = MAX_PENDING_BYTES + 16;

    private static final System.Logger LOG = System.getLogger(Connection.class.getName());
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Scheduler scheduler;
    private final MseTransport transport;
    private final HandshakeEngine engine;
    private final OperationQueue lane;
    private final Duration timeout;
    private final long startNanos;
    private final int attempt;
    private final CompletableFuture<MseSession> result = new CompletableFuture<>();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<Runnable> closeHandlers = new ArrayList<>();
    private volatile Cancellable timer;

    // lane-confined after the handshake
    private HandshakeEngine.Result negotiated;
    private long establishedNanos;
    private Consumer<byte[]> receiver;
    private ByteArrayOutputStream unclaimed = new ByteArrayOutputStream();

    /**
     * @param startNanos the scheduler time the whole connect (all attempts) began, for {@link #handshakeTime()}
     * @param attempt    1-based attempt number
     */
    public Connection(ConcurrencyGuard guard, MseTransport transport, HandshakeEngine.Config config, Duration timeout,
                      long startNanos, int attempt) {
        this.scheduler = guard.scheduler();
        this.transport = transport;
        this.engine = new HandshakeEngine(config, this);
        this.timeout = timeout;
        this.startNanos = startNanos;
        this.attempt = attempt;
        this.lane = guard.newOperationQueue("mse " + config.role().name().toLowerCase(java.util.Locale.ROOT) + " "
                + transport.remote(), QUEUE_CAPACITY);
    }

    /** Starts the handshake; the stage completes with this session once both handshakes are done. */
    public CompletionStage<MseSession> start() {
        timer = scheduler.schedule(this::onTimeout, timeout);
        submit(engine::start);
        transport.start(this::onReceive, this::onTransportClosed);
        return result;
    }

    // ---------------------------------------------------------------- inputs, all through the lane

    private void onReceive(byte[] chunk) {
        long pending = pendingBytes.addAndGet(chunk.length);
        if (pending > MAX_PENDING_BYTES) {
            abort(new MseException.Flood("peer sent " + pending + " bytes faster than they could be processed; "
                    + "the limit is " + MAX_PENDING_BYTES + " bytes waiting per connection"));
            return;
        }
        submit(() -> {
            pendingBytes.addAndGet(-chunk.length);
            return engine.onData(chunk);
        });
    }

    private void onTimeout() {
        submit(() -> {
            engine.timeout("timeout " + timeout.toMillis() + " ms");
            return DONE;
        });
    }

    private void onTransportClosed() {
        submit(() -> {
            engine.peerClosed(transport.remote());
            if (negotiated != null) {
                shutdown();
            }
            return DONE;
        });
    }

    private void submit(Supplier<? extends CompletionStage<Void>> op) {
        if (closed.get()) {
            return;
        }
        lane.submit(op).whenComplete((v, t) -> {
            if (t != null) {
                onLaneFailure(t);
            }
        });
    }

    private void onLaneFailure(Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof GuardClosedException) {
            return; // we closed the lane: the connection is already finished
        }
        if (cause instanceof QueueFullException) {
            abort(new MseException.Flood("peer sent more chunks than the connection's lane holds ("
                    + QUEUE_CAPACITY + ")"));
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "mse connection to " + transport.remote() + " failed internally", cause);
        result.completeExceptionally(cause);
        shutdown();
    }

    /** Fails the connection from outside the lane: the engine is not touched (the lane is closed instead). */
    private void abort(MseException failure) {
        if (result.completeExceptionally(failure)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "mse " + transport.remote() + ": " + failure.getMessage());
        }
        shutdown();
    }

    private void shutdown() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Cancellable t = timer;
        if (t != null) {
            t.cancel();
        }
        transport.close();
        lane.close();
        List<Runnable> handlers;
        synchronized (closeHandlers) {
            handlers = List.copyOf(closeHandlers);
            closeHandlers.clear();
        }
        handlers.forEach(Connection::runQuietly);
    }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "mse close handler threw", e);
        }
    }

    // ---------------------------------------------------------------- engine listener (in the lane)

    @Override
    public void transmit(byte[] data) {
        if (!closed.get()) {
            transport.send(data);
        }
    }

    @Override
    public void established(HandshakeEngine.Result r, byte[] leftover) {
        Cancellable t = timer;
        if (t != null) {
            t.cancel();
        }
        negotiated = r;
        establishedNanos = scheduler.nanoTime();
        if (leftover.length > 0) {
            deliver(leftover);
        }
        result.complete(this);
    }

    @Override
    public void failed(MseException failure) {
        abort(failure);
    }

    @Override
    public void received(byte[] data) {
        deliver(data);
    }

    private void deliver(byte[] data) {
        if (receiver != null) {
            try {
                receiver.accept(data);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "mse receive handler threw; the connection carries on", e);
            }
            return;
        }
        if (unclaimed.size() + data.length > MAX_UNCLAIMED_BYTES) {
            LOG.log(System.Logger.Level.WARNING, () -> "mse " + transport.remote() + ": closing: more than "
                    + MAX_UNCLAIMED_BYTES + " bytes of payload arrived before a receive handler was set");
            unclaimed = new ByteArrayOutputStream();
            shutdown();
            return;
        }
        unclaimed.writeBytes(data);
    }

    // ---------------------------------------------------------------- MseSession

    @Override
    public boolean obfuscated() {
        return negotiated.obfuscated();
    }

    @Override
    public Optional<CryptoMethod> method() {
        return negotiated.method();
    }

    @Override
    public byte[] infoHash() {
        return negotiated.peer().infoHash();
    }

    @Override
    public byte[] remotePeerId() {
        return negotiated.peer().peerId();
    }

    @Override
    public byte[] remoteReserved() {
        return negotiated.peer().reserved();
    }

    @Override
    public int attempts() {
        return attempt;
    }

    @Override
    public Duration handshakeTime() {
        return Duration.ofNanos(establishedNanos - startNanos);
    }

    @Override
    public String remote() {
        return transport.remote();
    }

    @Override
    public void send(byte[] data) {
        synchronized (this) {
            if (closed.get()) {
                return;
            }
            transport.send(engine.encodePayload(data));
        }
    }

    @Override
    public void onReceive(Consumer<byte[]> handler) {
        submit(() -> {
            receiver = handler;
            if (unclaimed.size() > 0) {
                byte[] pending = unclaimed.toByteArray();
                unclaimed = new ByteArrayOutputStream();
                deliver(pending);
            }
            return DONE;
        });
    }

    @Override
    public void onClosed(Runnable handler) {
        synchronized (closeHandlers) {
            if (!closed.get()) {
                closeHandlers.add(handler);
                return;
            }
        }
        runQuietly(handler);
    }

    @Override
    public void close() {
        shutdown();
    }

    /** Inputs waiting in this connection's lane right now; an estimate, for monitoring and tests. */
    public int queuedInputs() {
        return lane.pending();
    }

    /** Whether this connection has finished (failed or closed); for tests of resource release. */
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public String toString() {
        return "MseConnection[" + transport.remote() + "]";
    }
}
