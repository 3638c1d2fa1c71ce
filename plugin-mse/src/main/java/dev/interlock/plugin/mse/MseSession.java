package dev.interlock.plugin.mse;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An established connection: both handshakes done, payload flowing over the same RC4 streams (or in the clear).
 *
 * <p>Thread-safety: {@link #send} may be called from any thread; sends are applied in the order the calls
 * happen-before each other. Received payload is delivered to the {@link #onReceive} handler in order, one chunk at
 * a time, from the connection's lane; payload that arrives before a handler is set is kept (at most
 * {@link #MAX_UNCLAIMED_BYTES}; beyond that the session closes with {@link MseException.Flood}). Handlers must not
 * block.
 */
public interface MseSession extends AutoCloseable {

    /** Payload a session keeps for a handler that is not set yet, in bytes. */
    int MAX_UNCLAIMED_BYTES = 1 << 20;

    /** Whether the MSE handshake ran (false: a plain BitTorrent handshake). */
    boolean obfuscated();

    /** The selected crypto method; empty for a plain connection. */
    Optional<CryptoMethod> method();

    /** Whether payload is RC4-encrypted. */
    default boolean encrypted() {
        return method().orElse(CryptoMethod.PLAINTEXT) == CryptoMethod.RC4;
    }

    /** The torrent's 20-byte info-hash (a copy). */
    byte[] infoHash();

    /** The peer's 20-byte peer id from its BitTorrent handshake (a copy). */
    byte[] remotePeerId();

    /** The peer's 8 reserved bytes (a copy). */
    byte[] remoteReserved();

    /** Which outgoing attempt succeeded (1-based; 1 for incoming). */
    int attempts();

    /** Time from the first connect (or the accept) to both handshakes done, on the scheduler's clock. */
    Duration handshakeTime();

    /** The peer's address. */
    String remote();

    /** Sends payload (encrypted if {@link #encrypted()}). Ignored after close. */
    void send(byte[] data);

    /** Sets the handler of received payload; pending payload is delivered to it first. */
    void onReceive(Consumer<byte[]> handler);

    /** Runs {@code handler} once when the connection closes (immediately if it already has). */
    void onClosed(Runnable handler);

    /** Closes the connection; idempotent. */
    @Override
    void close();
}
