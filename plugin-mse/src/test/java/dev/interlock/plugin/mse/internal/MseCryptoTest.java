package dev.interlock.plugin.mse.internal;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class MseCryptoTest {

    /** Textbook RC4, for checking the BouncyCastle engine and the 1024-byte drop independently. */
    private static byte[] referenceKeystream(byte[] key, int n) {
        int[] s = new int[256];
        for (int i = 0; i < 256; i++) {
            s[i] = i;
        }
        for (int i = 0, j = 0; i < 256; i++) {
            j = (j + s[i] + (key[i % key.length] & 0xff)) & 0xff;
            int t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        byte[] out = new byte[n];
        for (int k = 0, i = 0, j = 0; k < n; k++) {
            i = (i + 1) & 0xff;
            j = (j + s[i]) & 0xff;
            int t = s[i];
            s[i] = s[j];
            s[j] = t;
            out[k] = (byte) s[(s[i] + s[j]) & 0xff];
        }
        return out;
    }

    @Test
    void referenceRc4_knownAnswer_matchesPublishedVector() {
        // Wikipedia / RFC 6229-style vector: key "Key", plaintext "Plaintext" -> BBF316E8D940AF0AD3
        byte[] ks = referenceKeystream("Key".getBytes(), 9);
        byte[] pt = "Plaintext".getBytes();
        for (int i = 0; i < 9; i++) {
            pt[i] ^= ks[i];
        }
        assertThat(HexFormat.of().formatHex(pt)).isEqualTo("bbf316e8d940af0ad3");
    }

    @Test
    void rc4_afterKeying_skipsExactly1024KeystreamBytes() {
        byte[] s = new byte[96];
        s[95] = 7;
        byte[] skey = new byte[20];
        byte[] key = MseCrypto.hash("keyA", s, skey);
        byte[] expected = referenceKeystream(key, 1024 + 64);
        byte[] got = MseCrypto.rc4("keyA", s, skey).apply(new byte[64]);
        assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(expected, 1024, 1088));
    }

    @Test
    void dh_twoKeyPairs_agreeOn96ByteSecret() {
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 20; i++) {
            MseCrypto.KeyPair a = MseCrypto.newKeyPair(r);
            MseCrypto.KeyPair b = MseCrypto.newKeyPair(r);
            byte[] sa = a.sharedSecret(b.publicKey());
            assertThat(sa).hasSize(96).isEqualTo(b.sharedSecret(a.publicKey()));
            assertThat(a.publicKey()).hasSize(96);
        }
    }

    @Test
    void toFixed_smallValue_leftPadsWithZeros() {
        byte[] b = MseCrypto.toFixed(BigInteger.valueOf(0x0102));
        assertThat(b).hasSize(96);
        assertThat(b[94]).isEqualTo((byte) 1);
        assertThat(b[95]).isEqualTo((byte) 2);
        assertThat(b[0]).isZero();
    }

    @Test
    void prime_isTheSpecs768BitPrime() {
        assertThat(MseCrypto.P.bitLength()).isEqualTo(768);
        assertThat(MseCrypto.P.isProbablePrime(50)).isTrue();
    }

    @Test
    void keyPair_toString_hidesPrivateExponent() {
        assertThat(MseCrypto.newKeyPair(new SplittableRandom(1)).toString()).contains("hidden");
    }
}
