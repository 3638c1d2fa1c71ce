package dev.interlock.plugin.ratchet;

/**
 * Which end of a session a channel is. Fixed for the session's lifetime and agreed out of band (client-server: the
 * client is the {@link #INITIATOR}); the two ends must differ.
 *
 * <p>The side decides two things: which derived key each direction uses, and the deterministic tie-break for
 * simultaneous rekeys (the reference's static "is initiator" flag): when both ends propose version {@code N+1} at
 * once, the {@link #INITIATOR}'s proposal wins and the {@link #RESPONDER} discards its own pending exchange and answers
 * as the Loser.
 */
public enum Side {
    /** Wins simultaneous rekeys. */
    INITIATOR,
    /** Yields in simultaneous rekeys. */
    RESPONDER;

    /** The other side. */
    public Side peer() {
        return this == INITIATOR ? RESPONDER : INITIATOR;
    }

    /** Whether this side's proposal wins when both ends propose the same version at once. */
    public boolean winsTieBreak() {
        return this == INITIATOR;
    }
}
