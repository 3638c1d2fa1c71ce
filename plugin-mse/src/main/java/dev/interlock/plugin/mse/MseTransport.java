package dev.interlock.plugin.mse;

import java.util.function.Consumer;

/**
 * A byte pipe to one peer: TCP ({@link MseTransports#tcp}) or, in tests, the testkit's simulated link.
 *
 * <p>Contract for implementations: {@link #start} is called once, before the first {@link #send}; afterwards the
 * transport calls {@code onReceive} with each chunk it receives, in order, never concurrently with itself, and then
 * {@code onClosed} exactly once when the peer closes or resets the connection or {@link #close()} is called. A
 * chunk array is handed over (the transport must not reuse it). {@link #send} after close is ignored.
 */
public interface MseTransport {

    /** Starts delivering received bytes and the close event. */
    void start(Consumer<byte[]> onReceive, Runnable onClosed);

    /** Sends {@code data} (the array may be reused by the caller after the call returns). */
    void send(byte[] data);

    /** Closes the connection; idempotent. */
    void close();

    /** The remote address, for messages and JSON. */
    String remote();
}
