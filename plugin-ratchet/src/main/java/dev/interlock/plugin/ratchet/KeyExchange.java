package dev.interlock.plugin.ratchet;

import dev.interlock.plugin.ratchet.internal.HybridMlKemX25519;

import java.security.SecureRandom;

/**
 * The key encapsulation run once per key version: Alice {@link #generate()}s a key pair and sends its public key in
 * AliceToBob; Bob {@link #encapsulate(byte[])}s to it and sends the ciphertext in BobToAlice; Alice decapsulates.
 * Both feed the shared secret into the chain (HKDF-SHA3-256 salted with the previous version's secret).
 *
 * <p>The production exchange is {@link #hybridMlKem768X25519()}. The interface exists so that schedule-exploration
 * tests can substitute a cheap exchange (the ratchet's control flow does not depend on the KEM) while separate tests
 * run the real one.
 *
 * <p>Implementations must be thread-safe; a {@link PendingKey} is used by one channel operation at a time.
 */
public interface KeyExchange {

    /** A name for messages and the soak output, e.g. {@code "ML-KEM-768+X25519"}. */
    String name();

    /** The exact length of an encoded public key, in bytes (the codec's cap). */
    int publicKeyLength();

    /** The exact length of a ciphertext, in bytes (the codec's cap). */
    int ciphertextLength();

    /** Generates a fresh key pair. */
    PendingKey generate();

    /**
     * Encapsulates a fresh secret to {@code publicKey}.
     *
     * @throws IllegalArgumentException if the public key has the wrong length or is not a valid key
     */
    Encapsulation encapsulate(byte[] publicKey);

    /** Alice's half of an exchange in flight: the public key to send and the private key to decapsulate with. */
    interface PendingKey extends AutoCloseable {
        /** The encoded public key (a copy). */
        byte[] publicKey();

        /**
         * Recovers the shared secret from Bob's ciphertext.
         *
         * @throws IllegalArgumentException if the ciphertext has the wrong length or is invalid
         * @throws IllegalStateException    if this key was closed
         */
        byte[] decapsulate(byte[] ciphertext);

        /** Drops the private key; idempotent. */
        @Override
        void close();
    }

    /**
     * Bob's result.
     *
     * @param ciphertext   what to send to Alice
     * @param sharedSecret the secret (never log it)
     */
    record Encapsulation(byte[] ciphertext, byte[] sharedSecret) {
    }

    /**
     * Hybrid ML-KEM-768 (FIPS 203) + X25519 with an X-Wing style combiner,
     * {@code SHA3-256(ss_mlkem || ss_x25519 || ct_x25519 || pk_x25519 || label)}, over a {@link SecureRandom}.
     * Public key 1,216 bytes, ciphertext 1,120 bytes, shared secret 32 bytes. Secure if either component is.
     */
    static KeyExchange hybridMlKem768X25519() {
        return new HybridMlKemX25519(new SecureRandom());
    }
}
