package dev.interlock.plugin.ratchet.internal;

/**
 * The messages of the ratchet protocol (the reference's RatchetMessage). Every rekey message carries the sender's
 * window ({@link Meta}) at the time it was sealed.
 */
sealed interface Message {

    /** Frame type byte of each message (the header's type field). */
    byte APP = 1;
    byte ALICE_TO_BOB = 2;
    byte BOB_TO_ALICE = 3;
    byte TRUNCATE = 4;
    byte LOSER_CAN_FINISH = 5;
    byte LEADER_CAN_FINISH = 6;

    /** The frame type of this message. */
    byte type();

    /** The sender's window: oldest and newest committed version. */
    record Meta(long earliest, long latest) {
    }

    /** An application payload. */
    record App(byte[] payload) implements Message {
        @Override
        public byte type() {
            return APP;
        }
    }

    /** Alice proposes version {@code next}: her public key, and optionally a piggy-backed application payload. */
    record AliceToBob(Meta meta, long next, byte[] publicKey, byte[] payload) implements Message {
        @Override
        public byte type() {
            return ALICE_TO_BOB;
        }
    }

    /** Bob answers the proposal of {@code next} with his ciphertext; he has committed {@code next} (as Loser). */
    record BobToAlice(Meta meta, long next, byte[] ciphertext) implements Message {
        @Override
        public byte type() {
            return BOB_TO_ALICE;
        }
    }

    /** The Leader committed {@code version}, dropped everything up to {@code dropThrough}; the Loser must too. */
    record Truncate(Meta meta, long version, long dropThrough) implements Message {
        @Override
        public byte type() {
            return TRUNCATE;
        }
    }

    /** The Leader committed {@code version} without truncating; the Loser may finish. */
    record LoserCanFinish(Meta meta, long version) implements Message {
        @Override
        public byte type() {
            return LOSER_CAN_FINISH;
        }
    }

    /** The Loser finished {@code version}; the Leader may finish. */
    record LeaderCanFinish(Meta meta, long version) implements Message {
        @Override
        public byte type() {
            return LEADER_CAN_FINISH;
        }
    }
}
