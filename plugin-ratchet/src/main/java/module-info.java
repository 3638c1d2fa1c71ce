/**
 * Interlock plugin {@code ratchet}: a two-party post-quantum ratchet channel (seed 001).
 *
 * <p>Per key version a hybrid ML-KEM-768 + X25519 exchange, chained through HKDF-SHA3-256 into the previous version's
 * secret; messages sealed with AES-256-GCM under counter nonces. Rekeys follow the reference protocol (AliceToBob,
 * BobToAlice, Truncate, LoserCanFinish, LeaderCanFinish) with Idle/Leader/Loser roles and a fixed tie-break, driven
 * through the platform's guards so that simultaneous rekeys cannot deadlock.
 *
 * <p>Exports only {@code dev.interlock.plugin.ratchet} (the channel API); the engine is in {@code .internal}, the
 * launcher command in {@code .cli} (opened to picocli for option binding).
 */
module dev.interlock.plugin.ratchet {
    requires transitive dev.interlock.api;
    requires dev.interlock.testkit;
    requires org.bouncycastle.provider;
    requires info.picocli;

    exports dev.interlock.plugin.ratchet;

    opens dev.interlock.plugin.ratchet.cli to info.picocli;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.plugin.ratchet.internal.RatchetPlugin;
}
