package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.KeyExchange;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TEST ONLY, NOT SECURE: a cheap deterministic key exchange for schedule exploration. The ratchet's control flow
 * (states, roles, tie-break, window, lane, watch) does not depend on which KEM runs, and ML-KEM + X25519 cost
 * ~0.5 ms per rekey, too much for 700k+ rekeys on 2 cores; the real hybrid KEM runs in its own tests.
 *
 * <p>public key = 32 bytes from a counter; ciphertext = secret XOR SHA-256(public key); the secret is derived from a
 * counter too. Lengths are checked exactly like the real one, and a wrong ciphertext yields a wrong secret, so a
 * broken exchange still fails the channel's AEAD.
 */
final class TestKem implements KeyExchange {

    private final AtomicLong counter = new AtomicLong();

    @Override
    public String name() {
        return "test-kem (insecure, schedule exploration only)";
    }

    @Override
    public int publicKeyLength() {
        return 32;
    }

    @Override
    public int ciphertextLength() {
        return 32;
    }

    @Override
    public PendingKey generate() {
        byte[] pk = bytes(counter.incrementAndGet(), (byte) 'p');
        return new PendingKey() {
            private boolean closed;

            @Override
            public byte[] publicKey() {
                return pk.clone();
            }

            @Override
            public byte[] decapsulate(byte[] ciphertext) {
                if (closed) {
                    throw new IllegalStateException("closed");
                }
                if (ciphertext.length != 32) {
                    throw new IllegalArgumentException("test ciphertext must be 32 bytes, was " + ciphertext.length);
                }
                return xor(ciphertext, sha256(pk));
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public Encapsulation encapsulate(byte[] publicKey) {
        if (publicKey.length != 32) {
            throw new IllegalArgumentException("test public key must be 32 bytes, was " + publicKey.length);
        }
        byte[] secret = bytes(counter.incrementAndGet(), (byte) 's');
        return new Encapsulation(xor(secret, sha256(publicKey)), secret);
    }

    private static byte[] bytes(long n, byte tag) {
        byte[] out = new byte[32];
        Arrays.fill(out, tag);
        KeyChain.putLong(out, 0, n);
        return out;
    }

    private static byte[] xor(byte[] a, byte[] b) {
        byte[] out = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (byte) (a[i] ^ b[i]);
        }
        return out;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
