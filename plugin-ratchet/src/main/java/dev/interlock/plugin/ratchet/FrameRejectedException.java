package dev.interlock.plugin.ratchet;

import java.util.Objects;

/**
 * An inbound frame was rejected and dropped; the channel carries on. Reported to the channel's rejection listener and
 * counted in {@link RatchetStatus#rejectedFrames()}, never thrown at a caller.
 */
public final class FrameRejectedException extends RatchetException {

    private static final long serialVersionUID = 1L;

    /** Why a frame was rejected. */
    public enum Reason {
        /** The AEAD tag did not verify: the header or ciphertext was modified, or the frame was forged. */
        TAMPERED,
        /** A frame with this version and counter was already accepted. */
        REPLAYED,
        /** The counter is older than the replay window of its version. */
        BEYOND_REPLAY_WINDOW,
        /** The version was truncated from the window (older than the earliest version kept). */
        TRUNCATED_VERSION,
        /** The version is newer than any this endpoint has committed. */
        FUTURE_VERSION,
        /** A rekey message claims the peer is at a newer version than ours: the peer is ahead, which is an error. */
        PEER_AHEAD,
        /** The frame or its body does not parse, or a length exceeds its cap. */
        MALFORMED,
        /** A well-formed rekey message that does not fit the current state (e.g. BobToAlice while idle). */
        UNEXPECTED
    }

    private final Reason reason;

    public FrameRejectedException(Reason reason, String message) {
        super(reason + ": " + message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the frame was rejected. */
    public Reason reason() {
        return reason;
    }
}
