package dev.interlock.plugin.mse.internal;

import dev.interlock.plugin.mse.MseException;
import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.random.RandomGenerator;

/**
 * The MSE primitives: the 768-bit Diffie-Hellman group, the SHA-1 HASH of a 4-byte tag, and RC4 with the first 1024
 * keystream bytes discarded. Stateless; thread-safe.
 */
public final class MseCrypto {

    /** The MSE prime P (768 bits, the Oakley group 1 prime). */
    public static final BigInteger P = new BigInteger(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF"
                    + "9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563",
            16);
    /** The generator G = 2. */
    public static final BigInteger G = BigInteger.TWO;
    /** Length in bytes of Y and S on the wire and in hashes (big-endian, left-padded with zeros). */
    public static final int KEY_BYTES = 96;
    /** Bits of a private exponent (the spec recommends 160; at least 128). */
    public static final int PRIVATE_BITS = 160;
    /** Keystream bytes discarded after keying RC4. */
    public static final int RC4_DROP = 1024;

    private static final BigInteger P_MINUS_2 = P.subtract(BigInteger.TWO);

    private MseCrypto() {
    }

    /** A Diffie-Hellman key pair: the private exponent stays inside. */
    public static final class KeyPair {
        private final BigInteger x;
        private final byte[] publicKey;

        private KeyPair(BigInteger x) {
            this.x = x;
            this.publicKey = toFixed(G.modPow(x, P));
        }

        /** Y = G^x mod P, 96 bytes. */
        public byte[] publicKey() {
            return publicKey.clone();
        }

        /**
         * S = Y_peer^x mod P, 96 bytes.
         *
         * @throws MseException.InvalidPublicKey if the peer's value is outside [2, P-2]
         */
        public byte[] sharedSecret(byte[] peerPublic) {
            BigInteger y = new BigInteger(1, peerPublic);
            if (y.compareTo(BigInteger.TWO) < 0 || y.compareTo(P_MINUS_2) > 0) {
                throw new MseException.InvalidPublicKey("peer's Diffie-Hellman public value is outside [2, P-2] "
                        + "(it starts " + HexFormat.of().formatHex(peerPublic, 0, 4) + "...): a broken or hostile peer, "
                        + "or a peer that does not speak MSE");
            }
            return toFixed(y.modPow(x, P));
        }

        @Override
        public String toString() {
            return "KeyPair[private exponent hidden]";
        }
    }

    /** A fresh key pair whose private exponent has {@link #PRIVATE_BITS} random bits from {@code random}. */
    public static KeyPair newKeyPair(RandomGenerator random) {
        byte[] bytes = new byte[PRIVATE_BITS / 8];
        random.nextBytes(bytes);
        bytes[0] |= (byte) 0x80; // full length: exactly PRIVATE_BITS bits
        return new KeyPair(new BigInteger(1, bytes));
    }

    /** {@code v} as exactly 96 big-endian bytes. */
    static byte[] toFixed(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[KEY_BYTES];
        int n = Math.min(raw.length, KEY_BYTES);
        System.arraycopy(raw, raw.length - n, out, KEY_BYTES - n, n);
        return out;
    }

    /** SHA-1 of the ASCII tag followed by each part. */
    public static byte[] hash(String tag, byte[]... parts) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is missing from this JDK, which MSE cannot work without", e);
        }
        sha1.update(tag.getBytes(StandardCharsets.US_ASCII));
        for (byte[] p : parts) {
            sha1.update(p);
        }
        return sha1.digest();
    }

    /** An RC4 stream keyed with {@code HASH(tag, S, SKEY)}, the first 1024 bytes of keystream already discarded. */
    public static Rc4 rc4(String tag, byte[] s, byte[] skey) {
        return new Rc4(hash(tag, s, skey));
    }

    /** One direction's RC4 stream. Not thread-safe: owned by one connection, used in its lane. */
    public static final class Rc4 {
        private final RC4Engine engine = new RC4Engine();

        Rc4(byte[] key) {
            engine.init(true, new KeyParameter(key));
            byte[] drop = new byte[RC4_DROP];
            engine.processBytes(drop, 0, drop.length, drop, 0);
        }

        /** XORs {@code len} bytes at {@code off} in place with the next keystream bytes. */
        public void apply(byte[] data, int off, int len) {
            engine.processBytes(data, off, len, data, off);
        }

        /** A transformed copy of {@code data}. */
        public byte[] apply(byte[] data) {
            byte[] out = data.clone();
            apply(out, 0, out.length);
            return out;
        }

        @Override
        public String toString() {
            return "Rc4[key hidden]";
        }
    }
}
