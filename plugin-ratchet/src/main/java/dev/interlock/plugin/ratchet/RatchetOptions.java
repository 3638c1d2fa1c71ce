package dev.interlock.plugin.ratchet;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits and timeouts of a {@link RatchetChannel}; both ends of a session should use the same {@link #window()}.
 *
 * @param window            how many key versions are kept (2 to {@value #MAX_WINDOW}); when a rekey commits one more,
 *                          the Leader drops the oldest and tells the Loser to (Truncate). Reference: 6 debug, 32
 *                          release.
 * @param rekeyTimeout      the total bound on a {@link RatchetChannel#triggerRekey()} wait, measured on the
 *                          channel's scheduler from the call (reference: 60 s); positive
 * @param maxPayload        the largest application payload, in bytes (1 to {@value #MAX_PAYLOAD_LIMIT}); larger
 *                          sends fail, larger inbound frames are rejected as malformed
 * @param replayWindow      how many counters below the highest seen are remembered per version for replay detection
 *                          (64 to 65,536, a multiple of 64); older counters are rejected
 * @param maxStaleMessages  how many stale AliceToBob messages one round may see before the channel fails (a peer
 *                          flooding us); reference: MAX_STALE_MESSAGES
 * @param laneCapacity      how many operations (inbound frames and API calls) may wait on the channel's lane;
 *                          an API call beyond it fails with QueueFullException, an inbound frame beyond it fails
 *                          the channel (the peer overran us)
 */
public record RatchetOptions(int window, Duration rekeyTimeout, int maxPayload, int replayWindow,
                             int maxStaleMessages, int laneCapacity) {

    /** The largest {@link #window()} accepted. */
    public static final int MAX_WINDOW = 1024;

    /** The largest {@link #maxPayload()} accepted: 1 MiB. */
    public static final int MAX_PAYLOAD_LIMIT = 1 << 20;

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException naming the value, the limit and the fix
     */
    public RatchetOptions {
        Objects.requireNonNull(rekeyTimeout, "rekeyTimeout");
        if (window < 2 || window > MAX_WINDOW) {
            throw new IllegalArgumentException("window must be 2.." + MAX_WINDOW + " key versions, was " + window);
        }
        if (rekeyTimeout.isNegative() || rekeyTimeout.isZero()) {
            throw new IllegalArgumentException("rekeyTimeout must be positive, was " + rekeyTimeout);
        }
        if (maxPayload < 1 || maxPayload > MAX_PAYLOAD_LIMIT) {
            throw new IllegalArgumentException("maxPayload must be 1.." + MAX_PAYLOAD_LIMIT + " bytes, was "
                    + maxPayload);
        }
        if (replayWindow < 64 || replayWindow > 65_536 || replayWindow % 64 != 0) {
            throw new IllegalArgumentException("replayWindow must be a multiple of 64 in 64..65536, was "
                    + replayWindow);
        }
        if (maxStaleMessages < 1) {
            throw new IllegalArgumentException("maxStaleMessages must be at least 1, was " + maxStaleMessages);
        }
        if (laneCapacity < 1) {
            throw new IllegalArgumentException("laneCapacity must be at least 1, was " + laneCapacity);
        }
    }

    /** Window 32, rekey timeout 60 s, payloads up to 64 KiB, replay window 1,024, 64 stale messages, lane 4,096. */
    public static RatchetOptions defaults() {
        return new RatchetOptions(32, Duration.ofSeconds(60), 64 * 1024, 1024, 64, 4096);
    }

    /** A copy with another window. */
    public RatchetOptions withWindow(int newWindow) {
        return new RatchetOptions(newWindow, rekeyTimeout, maxPayload, replayWindow, maxStaleMessages, laneCapacity);
    }

    /** A copy with another rekey timeout. */
    public RatchetOptions withRekeyTimeout(Duration newTimeout) {
        return new RatchetOptions(window, newTimeout, maxPayload, replayWindow, maxStaleMessages, laneCapacity);
    }

    /** A copy with another payload limit. */
    public RatchetOptions withMaxPayload(int newMaxPayload) {
        return new RatchetOptions(window, rekeyTimeout, newMaxPayload, replayWindow, maxStaleMessages, laneCapacity);
    }

    /** A copy with another replay window. */
    public RatchetOptions withReplayWindow(int newReplayWindow) {
        return new RatchetOptions(window, rekeyTimeout, maxPayload, newReplayWindow, maxStaleMessages, laneCapacity);
    }

    /** A copy with another stale-message bound. */
    public RatchetOptions withMaxStaleMessages(int newMax) {
        return new RatchetOptions(window, rekeyTimeout, maxPayload, replayWindow, newMax, laneCapacity);
    }

    /** A copy with another lane capacity. */
    public RatchetOptions withLaneCapacity(int newCapacity) {
        return new RatchetOptions(window, rekeyTimeout, maxPayload, replayWindow, maxStaleMessages, newCapacity);
    }

    /**
     * The largest frame (after the length prefix) this channel sends or accepts: header, message type overhead, the
     * larger of a payload and a key exchange message, and the AEAD tag.
     */
    public int maxFrameLength(KeyExchange keyExchange) {
        int exchange = Math.max(keyExchange.publicKeyLength(), keyExchange.ciphertextLength());
        return 18 + 64 + exchange + maxPayload + 16;
    }
}
