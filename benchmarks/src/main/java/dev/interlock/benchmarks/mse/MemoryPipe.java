package dev.interlock.benchmarks.mse;

import dev.interlock.plugin.mse.MseTransport;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * An in-memory duplex byte pipe: two {@link MseTransport} ends, what one sends the other receives, in order and
 * whole (one chunk per send, copied as a socket would copy into the kernel). It measures the MSE code without a
 * network stack: {@code send} hands the copy straight to the peer's receive callback on the sender's thread, which
 * for an MSE connection only enqueues it on the connection's lane (a lane never runs an operation on the
 * submitter's stack), so no call chain grows and no lock is held across connections.
 *
 * <p>Honours the {@link MseTransport} contract: chunks sent before the peer called {@code start} wait and are
 * delivered first; delivery to one end is serialised under that direction's lock, so it is in order and never
 * concurrent with itself; each end's close callback runs exactly once, when either end closes; sends after close are
 * ignored.
 */
final class MemoryPipe {

    private final End left;
    private final End right;
    private final Object closeLock = new Object();
    private boolean closed;

    private MemoryPipe(String leftName, String rightName) {
        this.left = new End(rightName);
        this.right = new End(leftName);
    }

    /** A new pipe; {@code left()} is named after the right end's peer and vice versa, for messages. */
    static MemoryPipe open(String leftName, String rightName) {
        return new MemoryPipe(leftName, rightName);
    }

    MseTransport left() {
        return left;
    }

    MseTransport right() {
        return right;
    }

    private End other(End end) {
        return end == left ? right : left;
    }

    private void closeBoth() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        left.closed();
        right.closed();
    }

    private boolean isClosed() {
        synchronized (closeLock) {
            return closed;
        }
    }

    private final class End implements MseTransport {
        private final String remote;
        // guarded by this: the receive side of this end
        private Consumer<byte[]> receiver;
        private Runnable onClosed;
        private List<byte[]> early = new ArrayList<>();
        private boolean closeSeen;

        End(String remote) {
            this.remote = remote;
        }

        @Override
        public void start(Consumer<byte[]> onReceive, Runnable onClosedCallback) {
            boolean alreadyClosed;
            synchronized (this) {
                if (receiver != null) {
                    throw new IllegalStateException("memory pipe end to " + remote + " started twice");
                }
                receiver = onReceive;
                onClosed = onClosedCallback;
                for (byte[] chunk : early) {
                    onReceive.accept(chunk);
                }
                early = null;
                alreadyClosed = closeSeen;
            }
            if (alreadyClosed) {
                onClosedCallback.run();
            }
        }

        @Override
        public void send(byte[] data) {
            if (isClosed()) {
                return;
            }
            other(this).deliver(data.clone());
        }

        private synchronized void deliver(byte[] chunk) {
            if (closeSeen) {
                return;
            }
            if (receiver == null) {
                early.add(chunk);
            } else {
                receiver.accept(chunk);
            }
        }

        private void closed() {
            Runnable callback;
            synchronized (this) {
                if (closeSeen) {
                    return;
                }
                closeSeen = true;
                callback = onClosed;
            }
            if (callback != null) {
                callback.run();
            }
        }

        @Override
        public void close() {
            closeBoth();
        }

        @Override
        public String remote() {
            return "memory:" + remote;
        }
    }
}
