package dev.interlock.plugin.ratchet;

/**
 * A snapshot of a channel for monitoring and tests, published at the end of every operation of the channel's lane.
 * The numbers are estimates for monitoring (a snapshot may be one operation old when read from another thread), not
 * for control.
 *
 * @param name              the channel's name
 * @param side              the channel's side
 * @param state             the rekey state
 * @param earliest          the oldest key version still in the window
 * @param latest            the newest committed key version (the one new frames are sealed under)
 * @param completed         the newest version whose rekey round completed here
 * @param pendingExchanges  pending key exchanges held (our own unanswered AliceToBob); at most one
 * @param staleMessages     AliceToBob messages ignored as stale or superseded since the channel opened
 * @param rejectedFrames    inbound frames rejected (forged, replayed, truncated or future version, malformed)
 * @param messagesSent      application messages sealed and handed to the transport
 * @param messagesDelivered application messages opened and handed to the message listener
 */
public record RatchetStatus(String name, Side side, RekeyState state, long earliest, long latest, long completed,
                            int pendingExchanges, long staleMessages, long rejectedFrames, long messagesSent,
                            long messagesDelivered) {

    /** The role of {@link #state()}. */
    public Role role() {
        return state.role();
    }
}
