package dev.interlock.benchmarks.ratchet;

import dev.interlock.plugin.ratchet.FrameTransport;

import java.util.Objects;

/**
 * Two {@link FrameTransport} ends joined in memory: a frame sent on one end is handed, on the sender's thread, to the
 * other end's listener. It is the cheapest transport that still honours the {@link FrameTransport} contract, so that
 * a benchmark over it measures the channel, not a network stack.
 *
 * <h2>Contract as implemented</h2>
 * <ul>
 *   <li>{@link End#send(byte[])} never blocks on anything but the receiving end's monitor, held only while the
 *       receiving listener enqueues the frame (a ratchet channel's listener hands it to its lane and returns).
 *   <li>Each end's listener is called under that end's monitor, so one thread at a time, in send order; the monitor
 *       also gives the happens-before edge between successive calls.
 *   <li>The frame array is handed over, not copied: a ratchet channel seals every frame into a new array and never
 *       touches it after {@code send}.
 *   <li>{@link End#close()} is graceful: every frame already sent has been delivered (delivery is synchronous), then
 *       the peer's listener sees {@code onClosed(null)} exactly once. Frames sent towards a closed end are dropped,
 *       as bytes sent to a closed TCP peer are.
 * </ul>
 */
final class MemoryFrameLink {

    private final End left;
    private final End right;

    private MemoryFrameLink(String leftName, String rightName) {
        this.left = new End(leftName);
        this.right = new End(rightName);
        left.peer = right;
        right.peer = left;
    }

    /** A new link whose ends are called {@code leftName} and {@code rightName} in messages. */
    static MemoryFrameLink open(String leftName, String rightName) {
        return new MemoryFrameLink(Objects.requireNonNull(leftName, "leftName"),
                Objects.requireNonNull(rightName, "rightName"));
    }

    End left() {
        return left;
    }

    End right() {
        return right;
    }

    /** One end of the link. */
    static final class End implements FrameTransport {
        private final String name;
        private End peer;
        // guarded by this
        private Listener listener;
        private boolean closed;
        private boolean toldClosed;

        private End(String name) {
            this.name = name;
        }

        @Override
        public synchronized void start(Listener newListener) {
            Objects.requireNonNull(newListener, "listener");
            if (listener != null) {
                throw new IllegalStateException("memory link end " + name + " was already started");
            }
            listener = newListener;
        }

        @Override
        public void send(byte[] frame) {
            Objects.requireNonNull(frame, "frame");
            synchronized (this) {
                if (closed) {
                    throw new IllegalStateException("memory link end " + name + " is closed; cannot send a frame of "
                            + frame.length + " bytes");
                }
            }
            peer.receive(frame, name);
        }

        private synchronized void receive(byte[] frame, String from) {
            if (closed || toldClosed) {
                return;
            }
            if (listener == null) {
                throw new IllegalStateException("memory link end " + name + " got a frame from " + from
                        + " before it was started; open both channels before sending");
            }
            listener.onFrame(frame);
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            peer.peerClosed();
        }

        private synchronized void peerClosed() {
            if (toldClosed || listener == null) {
                return;
            }
            toldClosed = true;
            listener.onClosed(null);
        }

        @Override
        public String describe() {
            return "memory link end " + name;
        }
    }
}
