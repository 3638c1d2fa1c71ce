package dev.interlock.testkit;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One end of a {@link SimulatedLink}: send bytes to the peer, receive the peer's bytes, learn how the connection
 * ended.
 *
 * <h2>States</h2>
 * An endpoint is open until it is closed or reset locally, or until the peer's close or reset reaches it; then it
 * is closed for good ({@link #isOpen()} is {@code false} and {@link #send(byte[])} throws).
 * <ul>
 *   <li>After a local {@link #close()} or {@link #reset()}, this endpoint's handlers are never called again: data
 *       still arriving from the peer, and data received but not yet handed to a handler, is discarded (as a closed
 *       socket discards it).
 *   <li>When the peer's close or reset reaches an open endpoint, the close handler is called exactly once with the
 *       {@link LinkCloseReason}, after every chunk that arrived before it. The side that closes or resets is not
 *       notified (it knows); if both sides close before either hears of the other, neither handler is called.
 * </ul>
 *
 * <h2>Handlers</h2>
 * <ul>
 *   <li>Handlers run as scheduler tasks (one task per chunk), never on the stack of {@code send}, {@code onReceive}
 *       or {@code onClose}.
 *   <li><b>Late registration.</b> Data (and the close notice) that arrives before a handler is set is kept, in
 *       order, and delivered once the handler is set, before anything that arrives later. Nothing is lost for want
 *       of a handler.
 *   <li>Setting a handler again replaces the previous one: later chunks go to the new handler (so a handshake stage
 *       can hand the stream over to the next stage).
 *   <li>Each {@code byte[]} given to the receive handler is a fresh array the handler owns.
 *   <li>An exception thrown by a handler propagates out of the scheduler task, so the run method reports it as an
 *       {@link AssertionError} naming the seed.
 * </ul>
 *
 * <p>Confined to the scheduler's driving thread, like the link.
 */
public final class Endpoint {

    private enum State { OPEN, CLOSED_LOCALLY, RESET_LOCALLY, CLOSED_BY_PEER, RESET_BY_PEER }

    private final SimulatedLink link;
    private final String name;
    /** Arrived but not yet handed to a handler: byte[] chunks, possibly followed by one LinkCloseReason. */
    private final ArrayDeque<Object> inbox = new ArrayDeque<>();
    private Consumer<byte[]> receiveHandler;
    private Consumer<LinkCloseReason> closeHandler;
    private State state = State.OPEN;
    private boolean drainScheduled;
    private long bytesSent;
    private long bytesReceived;
    /** Armed fault: when bytesSent reaches faultAt, close or reset; faultReason == null means none armed. */
    private long faultAt;
    private LinkCloseReason faultReason;

    Endpoint(SimulatedLink link, String name) {
        this.link = link;
        this.name = name;
    }

    /**
     * Sends a copy of {@code data} to the peer; returns at once (delivery happens in later scheduler tasks). An empty
     * array sends nothing.
     *
     * @throws IllegalStateException if this endpoint is no longer open (closed or reset by either side)
     * @throws NullPointerException  if {@code data} is null
     */
    public void send(byte[] data) {
        Objects.requireNonNull(data, "data");
        if (state != State.OPEN) {
            throw new IllegalStateException("cannot send " + data.length + " bytes on " + name + ": it was "
                    + describe(state) + "; check isOpen() or the close handler before sending");
        }
        if (faultReason != null && bytesSent + data.length >= faultAt) {
            int prefix = (int) (faultAt - bytesSent);
            bytesSent += prefix;
            if (prefix > 0) {
                link.transmit(this, Arrays.copyOf(data, prefix));
            }
            fireFault();
            return;
        }
        bytesSent += data.length;
        if (data.length > 0) {
            link.transmit(this, data.clone());
        }
    }

    /**
     * Fault injection: once this endpoint has sent {@code bytes} more bytes (counted from this call), it
     * {@linkplain #close() closes}, as a peer that hangs up in the middle of a message. The send that reaches the
     * limit transmits only the bytes up to it and returns normally (the rest is lost, as a write into a socket that
     * then dies); later sends throw. {@code bytes == 0} closes at once. Replaces any fault armed before.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException    if this endpoint is no longer open
     */
    public void closeAfter(long bytes) {
        armFault(bytes, LinkCloseReason.CLOSED);
    }

    /**
     * Fault injection: like {@link #closeAfter(long)}, but the endpoint {@linkplain #reset() resets} once it has sent
     * {@code bytes} more bytes, so whatever of them is still in flight is dropped too (a peer that crashes).
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException    if this endpoint is no longer open
     */
    public void resetAfter(long bytes) {
        armFault(bytes, LinkCloseReason.RESET);
    }

    private void armFault(long bytes, LinkCloseReason reason) {
        if (bytes < 0) {
            throw new IllegalArgumentException("fault threshold must be at least 0 bytes, was " + bytes);
        }
        if (state != State.OPEN) {
            throw new IllegalStateException("cannot arm a fault on " + name + ": it was already " + describe(state));
        }
        faultAt = bytesSent + bytes;
        faultReason = reason;
        if (bytes == 0) {
            fireFault();
        }
    }

    private void fireFault() {
        LinkCloseReason reason = faultReason;
        faultReason = null;
        if (reason == LinkCloseReason.CLOSED) {
            close();
        } else {
            reset();
        }
    }

    /**
     * Sets the handler for data from the peer (replacing any previous one). Data that arrived before is delivered to
     * it, in order, in later scheduler tasks.
     */
    public void onReceive(Consumer<byte[]> handler) {
        receiveHandler = Objects.requireNonNull(handler, "handler");
        scheduleDrainIfDeliverable();
    }

    /**
     * Sets the handler told how the peer ended the connection (replacing any previous one). If the peer's close
     * already arrived, the handler gets it in a later scheduler task, after any data still waiting for a receive
     * handler.
     */
    public void onClose(Consumer<LinkCloseReason> handler) {
        closeHandler = Objects.requireNonNull(handler, "handler");
        scheduleDrainIfDeliverable();
    }

    /**
     * Graceful close: everything sent so far still reaches the peer, then the peer's close handler gets
     * {@link LinkCloseReason#CLOSED}. This endpoint stops receiving at once. Idempotent; does nothing if the
     * endpoint is no longer open.
     */
    public void close() {
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSED_LOCALLY;
        inbox.clear();
        link.transmitClose(this);
    }

    /**
     * Abrupt close: data this endpoint sent that has not been delivered yet is dropped, and the peer's close handler
     * gets {@link LinkCloseReason#RESET} after one link delay. This endpoint stops receiving at once. Idempotent;
     * does nothing if the endpoint is no longer open.
     */
    public void reset() {
        if (state != State.OPEN) {
            return;
        }
        state = State.RESET_LOCALLY;
        inbox.clear();
        link.transmitReset(this);
    }

    /** {@code true} until this endpoint is closed or reset, or the peer's close or reset has reached it. */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /**
     * Bytes accepted by {@link #send(byte[])} on this endpoint, delivered or not (when an armed fault cuts a send
     * short, only the bytes up to the fault count).
     */
    public long bytesSent() {
        return bytesSent;
    }

    /** Bytes handed to this endpoint's receive handler so far. */
    public long bytesReceived() {
        return bytesReceived;
    }

    /** The other end of the link. */
    public Endpoint peer() {
        return link.peerOf(this);
    }

    /** The link this endpoint belongs to. */
    public SimulatedLink link() {
        return link;
    }

    @Override
    public String toString() {
        return name + "[" + state + "]";
    }

    // ---------------------------------------------------------------- called by the link, in scheduler tasks

    void arrive(Object item) {
        if (state == State.CLOSED_LOCALLY || state == State.RESET_LOCALLY) {
            return; // a closed socket discards what still arrives
        }
        if (item instanceof LinkCloseReason reason) {
            if (state != State.OPEN) {
                return;
            }
            state = reason == LinkCloseReason.CLOSED ? State.CLOSED_BY_PEER : State.RESET_BY_PEER;
        }
        if (inbox.isEmpty() && !drainScheduled && deliverable(item)) {
            deliver(item);
        } else {
            inbox.addLast(item);
            scheduleDrainIfDeliverable();
        }
    }

    private boolean deliverable(Object item) {
        return item instanceof byte[] ? receiveHandler != null : closeHandler != null;
    }

    private void deliver(Object item) {
        if (item instanceof byte[] chunk) {
            bytesReceived += chunk.length;
            receiveHandler.accept(chunk);
        } else {
            closeHandler.accept((LinkCloseReason) item);
        }
    }

    private void scheduleDrainIfDeliverable() {
        if (!drainScheduled && !inbox.isEmpty() && deliverable(inbox.peekFirst())) {
            drainScheduled = true;
            link.scheduler().execute(new Runnable() {
                @Override
                public void run() {
                    drainOne();
                }

                @Override
                public String toString() {
                    return "deliver buffered input to " + name;
                }
            });
        }
    }

    private void drainOne() {
        drainScheduled = false;
        if (state == State.CLOSED_LOCALLY || state == State.RESET_LOCALLY || inbox.isEmpty()
                || !deliverable(inbox.peekFirst())) {
            return;
        }
        Object item = inbox.pollFirst();
        scheduleDrainIfDeliverable();
        deliver(item);
    }

    private static String describe(State state) {
        return switch (state) {
            case OPEN -> "open";
            case CLOSED_LOCALLY -> "closed by this side";
            case RESET_LOCALLY -> "reset by this side";
            case CLOSED_BY_PEER -> "closed by the peer";
            case RESET_BY_PEER -> "reset by the peer";
        };
    }
}
