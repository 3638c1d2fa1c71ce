package dev.interlock.plugin.ratchet;

/**
 * An endpoint's role in the rekey round in flight (the reference's RekeyRole). Only Idle-&gt;Leader, Idle-&gt;Loser,
 * Leader-&gt;Idle and Loser-&gt;Idle happen; in a simultaneous rekey the tie-break turns the losing candidate into a Loser
 * (Leader-&gt;Loser) before anything is committed.
 */
public enum Role {
    /** No rekey in flight. */
    IDLE,
    /** This endpoint proposed the round (sent AliceToBob) or won it; it drives truncation. */
    LEADER,
    /** This endpoint answers the peer's proposal (sent BobToAlice) and waits to be told to finish. */
    LOSER,
    /** The channel is closed or failed. */
    NONE
}
