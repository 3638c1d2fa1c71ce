package dev.interlock.plugin.ratchet;

/**
 * A duplex transport of whole frames (byte arrays) between two endpoints, in order and exactly once, such as a
 * length-prefixed byte stream ({@link FrameTransports#tcp}) or the testkit's simulated link.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #start(Listener)} is called once, by the channel, before any {@link #send(byte[])}.
 *   <li>{@link #send(byte[])} never blocks on the network: it queues the frame (it may throw
 *       {@link IllegalStateException} when the transport is closed or its outbound queue is full).
 *   <li>The listener is called from one thread at a time, frames in the order the peer sent them; after
 *       {@link Listener#onClosed(Throwable)} it is not called again.
 *   <li>{@link #close()} is graceful: frames already sent still reach the peer, then the peer's listener sees
 *       {@code onClosed(null)}; idempotent.
 * </ul>
 */
public interface FrameTransport {

    /** Receives what the peer sends. Implementations must not throw from these methods. */
    interface Listener {
        /** A whole frame from the peer. The array belongs to the listener. */
        void onFrame(byte[] frame);

        /**
         * The transport ended: {@code cause} is {@code null} for a graceful close by either side, otherwise what
         * broke it (a reset, an I/O error, a framing error).
         */
        void onClosed(Throwable cause);
    }

    /** Starts delivering to {@code listener}. */
    void start(Listener listener);

    /** Queues {@code frame} for the peer. */
    void send(byte[] frame);

    /** Closes gracefully; idempotent. */
    void close();

    /** A short description for messages, e.g. the remote address. */
    String describe();
}
