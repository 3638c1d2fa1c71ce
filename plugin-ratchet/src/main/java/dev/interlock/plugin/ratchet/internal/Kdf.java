package dev.interlock.plugin.ratchet.internal;

import org.bouncycastle.crypto.digests.SHA3Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

import java.nio.charset.StandardCharsets;

/** HKDF (RFC 5869) over SHA3-256, and SHA3-256 itself. Stateless. */
final class Kdf {

    /** Output length of SHA3-256 and of every derived secret and key, in bytes. */
    static final int LENGTH = 32;

    private Kdf() {
    }

    /** HKDF-SHA3-256(salt, ikm, info) to {@link #LENGTH} bytes. */
    static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info) {
        return hkdf(salt, ikm, info, LENGTH);
    }

    /** HKDF-SHA3-256(salt, ikm, info) to {@code length} bytes. */
    static byte[] hkdf(byte[] salt, byte[] ikm, byte[] info, int length) {
        HKDFBytesGenerator generator = new HKDFBytesGenerator(new SHA3Digest(256));
        generator.init(new HKDFParameters(ikm, salt, info));
        byte[] out = new byte[length];
        generator.generateBytes(out, 0, length);
        return out;
    }

    /** SHA3-256 of the concatenation of {@code parts}. */
    static byte[] sha3(byte[]... parts) {
        SHA3Digest digest = new SHA3Digest(256);
        for (byte[] part : parts) {
            digest.update(part, 0, part.length);
        }
        byte[] out = new byte[LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    /** {@code label} in ASCII followed by {@code value} as 8 big-endian bytes. */
    static byte[] info(String label, long value) {
        byte[] text = label.getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[text.length + 8];
        System.arraycopy(text, 0, out, 0, text.length);
        for (int i = 0; i < 8; i++) {
            out[text.length + i] = (byte) (value >>> (56 - 8 * i));
        }
        return out;
    }

    /** {@code a || b}. */
    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
