package dev.interlock.plugin.ratchet;

/**
 * The rekey state machine of one endpoint. {@link #CLOSED} and {@link #FAILED} are terminal: every frame that
 * arrives afterwards is discarded and every waiter has been completed.
 *
 * <pre>
 *  IDLE --triggerRekey / send AliceToBob(N+1)--------------------------&gt; PROPOSED   (Leader candidate)
 *  IDLE --recv AliceToBob(N+1) / send BobToAlice, commit N+1-----------&gt; FOLLOWING  (Loser)
 *  PROPOSED --recv AliceToBob(N+1), we lose tie-break / discard ours,
 *             send BobToAlice, commit N+1------------------------------&gt; FOLLOWING
 *  PROPOSED --recv AliceToBob(N+1), we win tie-break / ignore (stale)--&gt; PROPOSED
 *  PROPOSED --recv BobToAlice(N+1) / commit N+1, send Truncate or
 *             LoserCanFinish-------------------------------------------&gt; LEADING    (Leader)
 *  FOLLOWING --recv Truncate|LoserCanFinish(N+1) / discard pending,
 *              send LeaderCanFinish, complete N+1----------------------&gt; IDLE
 *  LEADING --recv LeaderCanFinish(N+1) / discard pending, complete N+1-&gt; IDLE
 *  any --close--&gt; CLOSED;  any --fatal protocol error--&gt; FAILED
 * </pre>
 */
public enum RekeyState {
    /** No rekey in flight. */
    IDLE(Role.IDLE),
    /** We sent AliceToBob for {@code latest + 1} and hold its pending exchange. */
    PROPOSED(Role.LEADER),
    /** We committed the round's version as Leader and wait for LeaderCanFinish. */
    LEADING(Role.LEADER),
    /** We committed the round's version as Loser and wait for Truncate or LoserCanFinish. */
    FOLLOWING(Role.LOSER),
    /** Closed by the application or the peer (terminal). */
    CLOSED(Role.NONE),
    /** Failed on a fatal error (terminal). */
    FAILED(Role.NONE);

    private final Role role;

    RekeyState(Role role) {
        this.role = role;
    }

    /** The role this state plays. */
    public Role role() {
        return role;
    }

    /** Whether this state is terminal. */
    public boolean isTerminal() {
        return this == CLOSED || this == FAILED;
    }
}
