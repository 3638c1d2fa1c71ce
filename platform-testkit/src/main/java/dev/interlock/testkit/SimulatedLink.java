package dev.interlock.testkit;

import dev.interlock.api.exec.Cancellable;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * An in-memory duplex byte stream between two {@link Endpoint}s, driven by a {@link DeterministicScheduler}: the
 * seed's {@code MemorySocket} done right. Where the seed delivered every {@code send} whole after a fixed 1 ms
 * timer, this link re-splits the stream into chunks of random size and delivers each after a seeded latency and
 * jitter, so that a test explores the arrivals a real network produces: a message split byte by byte, two messages
 * coalesced into one read, the next message arriving while the previous one is still being processed.
 *
 * <h2>Guarantees (per direction)</h2>
 * <ul>
 *   <li><b>In order, exactly once.</b> The bytes passed to {@link Endpoint#send(byte[])} on one endpoint reach the
 *       other endpoint's receive handler in the order sent, each byte exactly once, unless the link is
 *       {@linkplain Endpoint#reset() reset} (then a suffix may be lost, never reordered or duplicated).
 *   <li><b>Chunking.</b> The stream is cut into chunks of {@link LinkOptions#minChunk()} to
 *       {@link LinkOptions#maxChunk()} bytes; a chunk may be shorter than {@code minChunk} only where a send ended.
 *       A chunk may join the end of one send to the start of the next (as TCP coalesces segments), but never exceeds
 *       {@code maxChunk}.
 *   <li><b>Timing.</b> A chunk is delivered {@code latency ± jitter} (uniform, never negative) after it was sent,
 *       but never before a chunk sent earlier in the same direction: delivery times never decrease, so jitter
 *       never reorders. Coalesced bytes ride with a chunk already in flight that is due no earlier than
 *       {@code latency - jitter} after they were sent.
 *   <li><b>Determinism.</b> Chunk sizes and delays come from a generator split off the scheduler's seed when the
 *       link is opened: same seed and same calls, same chunks at the same virtual times.
 *   <li><b>Close.</b> {@link Endpoint#close()} is graceful: everything the closing side sent before still arrives,
 *       then the peer's close handler gets {@link LinkCloseReason#CLOSED}. {@link Endpoint#reset()} is abrupt: the
 *       resetting side's data still in flight is dropped and the peer gets {@link LinkCloseReason#RESET} after one
 *       {@code latency ± jitter}. See {@link Endpoint} for the states. {@link Endpoint#closeAfter(long)} and
 *       {@link Endpoint#resetAfter(long)} inject the same faults in the middle of a send.
 * </ul>
 *
 * <h2>Threading</h2>
 * Every delivery (data or close) runs as a task of the scheduler, one chunk per task, never on the caller's stack.
 * A link is confined to the scheduler's driving thread: call it from scheduler tasks or from the thread that calls
 * the run methods, not from other threads.
 */
public final class SimulatedLink {

    /*
     * Design. Each direction keeps a FIFO of items in flight (data chunks, then possibly one close or reset
     * marker) and schedules one timer per item at the item's delivery time. A timer does not carry its item: it
     * delivers the head of the FIFO. Since the k-th timer to fire is never due before the k-th item, this keeps
     * the stream in order even when timers with equal deadlines fire in seeded order, or when advanceTime()
     * releases several timers at once. Reset clears the FIFO and cancels its timers together, so the invariant
     * "one live timer per item" always holds.
     */

    private final DeterministicScheduler scheduler;
    private final LinkOptions options;
    private final SplittableRandom random;
    private final Endpoint left;
    private final Endpoint right;
    private final Direction leftToRight;
    private final Direction rightToLeft;

    private SimulatedLink(DeterministicScheduler scheduler, LinkOptions options) {
        this.scheduler = scheduler;
        this.options = options;
        this.random = scheduler.newLinkRandom();
        String name = "link-" + Long.toHexString(random.nextLong() & 0xffffffL);
        this.left = new Endpoint(this, name + ".left");
        this.right = new Endpoint(this, name + ".right");
        this.leftToRight = new Direction(left, right);
        this.rightToLeft = new Direction(right, left);
    }

    /**
     * Opens a link whose two endpoints are both open, with no handlers yet (data arriving before a handler is set
     * is kept and delivered once one is).
     */
    public static SimulatedLink open(DeterministicScheduler scheduler, LinkOptions options) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(options, "options");
        return new SimulatedLink(scheduler, options);
    }

    /** Opens a link with {@link LinkOptions#defaults()}. */
    public static SimulatedLink open(DeterministicScheduler scheduler) {
        return open(scheduler, LinkOptions.defaults());
    }

    /** One end (conventionally the initiator). */
    public Endpoint left() {
        return left;
    }

    /** The other end (conventionally the responder). */
    public Endpoint right() {
        return right;
    }

    /** The options this link was opened with. */
    public LinkOptions options() {
        return options;
    }

    /** The scheduler this link runs on. */
    public DeterministicScheduler scheduler() {
        return scheduler;
    }

    @Override
    public String toString() {
        return "SimulatedLink[" + left + " <-> " + right + ", " + options + "]";
    }

    // ---------------------------------------------------------------- called by Endpoint

    Endpoint peerOf(Endpoint endpoint) {
        return endpoint == left ? right : left;
    }

    private Direction from(Endpoint endpoint) {
        return endpoint == left ? leftToRight : rightToLeft;
    }

    void transmit(Endpoint sender, byte[] data) {
        Direction direction = from(sender);
        int offset = 0;
        while (offset < data.length) {
            int size = Math.min(data.length - offset, random.nextInt(options.minChunk(), options.maxChunk() + 1));
            if (offset == 0 && direction.tryCoalesce(data, size)) {
                offset += size;
                continue;
            }
            direction.enqueue(new InFlight(Arrays.copyOfRange(data, offset, offset + size), null));
            offset += size;
        }
    }

    void transmitClose(Endpoint sender) {
        from(sender).enqueue(new InFlight(null, LinkCloseReason.CLOSED));
    }

    void transmitReset(Endpoint sender) {
        Direction direction = from(sender);
        direction.dropInFlight();
        direction.enqueue(new InFlight(null, LinkCloseReason.RESET));
    }

    private long drawDelayNanos() {
        long latency = options.latency().toNanos();
        long jitter = options.jitter().toNanos();
        long offset = jitter == 0 ? 0 : random.nextLong(-jitter, jitter + 1);
        return Math.max(0, latency + offset);
    }

    private long minDelayNanos() {
        return Math.max(0, options.latency().toNanos() - options.jitter().toNanos());
    }

    /** A data chunk ({@code reason == null}) or a close/reset marker. */
    private static final class InFlight {
        byte[] data;
        final LinkCloseReason reason;
        long deliverAt;
        Cancellable timer;

        InFlight(byte[] data, LinkCloseReason reason) {
            this.data = data;
            this.reason = reason;
        }
    }

    /** One direction of the link: its FIFO of items in flight and the time the last one is due. */
    private final class Direction {
        private final Endpoint sender;
        private final Endpoint receiver;
        private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
        private long lastDeliverAt = Long.MIN_VALUE;

        Direction(Endpoint sender, Endpoint receiver) {
            this.sender = sender;
            this.receiver = receiver;
        }

        boolean tryCoalesce(byte[] data, int size) {
            InFlight tail = inFlight.peekLast();
            if (tail == null || tail.reason != null || tail.data.length + size > options.maxChunk()
                    || tail.deliverAt < scheduler.nanoTime() + minDelayNanos() || !random.nextBoolean()) {
                return false;
            }
            byte[] merged = Arrays.copyOf(tail.data, tail.data.length + size);
            System.arraycopy(data, 0, merged, tail.data.length, size);
            tail.data = merged;
            return true;
        }

        void enqueue(InFlight item) {
            long now = scheduler.nanoTime();
            long due = now + drawDelayNanos();
            item.deliverAt = Math.max(due, lastDeliverAt);
            lastDeliverAt = item.deliverAt;
            inFlight.addLast(item);
            item.timer = scheduler.schedule(new Runnable() {
                @Override
                public void run() {
                    deliverHead();
                }

                @Override
                public String toString() {
                    return "deliver " + (item.reason != null ? item.reason.toString()
                            : item.data.length + " bytes") + " " + sender + " -> " + receiver;
                }
            }, Duration.ofNanos(item.deliverAt - now));
        }

        void dropInFlight() {
            for (InFlight item : inFlight) {
                item.timer.cancel();
            }
            inFlight.clear();
            lastDeliverAt = Long.MIN_VALUE;
        }

        private void deliverHead() {
            InFlight item = inFlight.pollFirst();
            if (item == null) {
                throw new IllegalStateException("internal error in " + SimulatedLink.this
                        + ": a delivery timer fired with nothing in flight from " + sender);
            }
            if (item.reason == null) {
                receiver.arrive(item.data);
            } else {
                receiver.arrive(item.reason);
            }
        }

        @Override
        public String toString() {
            return sender + " -> " + receiver + " (" + inFlight.size() + " in flight)";
        }
    }
}
