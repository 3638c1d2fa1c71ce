package dev.interlock.plugin.mse.internal;

import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseException;
import dev.interlock.plugin.mse.internal.EngineHarness.Chunker;
import dev.interlock.plugin.mse.internal.EngineHarness.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static dev.interlock.plugin.mse.internal.EngineHarness.INFO_HASH;
import static dev.interlock.plugin.mse.internal.EngineHarness.OTHER_HASH;
import static dev.interlock.plugin.mse.internal.EngineHarness.PEER_A;
import static dev.interlock.plugin.mse.internal.EngineHarness.PEER_B;
import static dev.interlock.plugin.mse.internal.EngineHarness.initiator;
import static dev.interlock.plugin.mse.internal.EngineHarness.responder;
import static dev.interlock.plugin.mse.internal.EngineHarness.side;
import static org.assertj.core.api.Assertions.assertThat;

class HandshakeEngineTest {

    private static final Set<CryptoMethod> RC4 = EnumSet.of(CryptoMethod.RC4);
    private static final Set<CryptoMethod> BOTH = EnumSet.of(CryptoMethod.PLAINTEXT, CryptoMethod.RC4);
    private static final Set<CryptoMethod> PLAIN_ONLY = EnumSet.of(CryptoMethod.PLAINTEXT);

    private static Side[] run(Set<CryptoMethod> provide, EncryptionPolicy policy, boolean asIa, Chunker chunker, long seed) {
        Side a = side(initiator(provide, INFO_HASH, asIa, new SplittableRandom(seed)));
        Side b = side(responder(policy, List.of(OTHER_HASH, INFO_HASH), 68, new SplittableRandom(seed + 1)));
        EngineHarness.pump(a, b, chunker);
        return new Side[] {a, b};
    }

    private static void assertEstablished(Side a, Side b, CryptoMethod method, boolean obfuscated) {
        assertThat(a.failure).as("initiator failure").isNull();
        assertThat(b.failure).as("responder failure").isNull();
        assertThat(a.result.obfuscated()).isEqualTo(obfuscated);
        assertThat(a.result.method()).isEqualTo(java.util.Optional.ofNullable(method));
        assertThat(b.result.method()).isEqualTo(java.util.Optional.ofNullable(method));
        assertThat(a.result.peer().peerId()).isEqualTo(PEER_B);
        assertThat(b.result.peer().peerId()).isEqualTo(PEER_A);
        assertThat(a.result.peer().infoHash()).isEqualTo(INFO_HASH);
        assertThat(b.result.peer().infoHash()).isEqualTo(INFO_HASH);
        // the stream continues the same RC4 states in both directions
        for (int i = 0; i < 3; i++) {
            byte[] ping = ("ping " + i + " ").repeat(50 * (i + 1)).getBytes();
            byte[] onWire = a.engine.encodePayload(ping);
            assertThat(Arrays.equals(onWire, ping)).isEqualTo(method != CryptoMethod.RC4 ? true : false);
            b.feed(onWire);
            byte[] pong = ("pong " + i).getBytes();
            a.feed(b.engine.encodePayload(pong));
        }
        assertThat(b.payload.toString()).isEqualTo("ping 0 ".repeat(50) + "ping 1 ".repeat(100) + "ping 2 ".repeat(150));
        assertThat(a.payload.toString()).isEqualTo("pong 0pong 1pong 2");
    }

    @ParameterizedTest(name = "provide={0} policy={1} asIa={2}")
    @CsvSource({
            "RC4, PREFER, true, RC4", "RC4, PREFER, false, RC4", "BOTH, PREFER, true, RC4", "BOTH, ALLOW, true, PLAINTEXT",
            "BOTH, ALLOW, false, PLAINTEXT", "RC4, ALLOW, true, RC4", "RC4, REQUIRED, true, RC4", "PLAIN, ALLOW, true, PLAINTEXT",
            "PLAIN, PREFER, false, PLAINTEXT"})
    void handshake_byteAtATime_establishesSelectedMethod(String provide, EncryptionPolicy policy, boolean asIa, CryptoMethod expected) {
        Set<CryptoMethod> p = switch (provide) {
            case "RC4" -> RC4;
            case "BOTH" -> BOTH;
            default -> PLAIN_ONLY;
        };
        Side[] s = run(p, policy, asIa, Chunker.bytes(), 7);
        assertEstablished(s[0], s[1], expected, true);
    }

    @Test
    void handshake_wholeMessages_establishesRc4() {
        for (long seed = 0; seed < 20; seed++) {
            Side[] s = run(RC4, EncryptionPolicy.PREFER, seed % 2 == 0, Chunker.whole(), seed);
            assertEstablished(s[0], s[1], CryptoMethod.RC4, true);
        }
    }

    @Test
    void handshake_randomChunks_establishesRc4() {
        SplittableRandom r = new SplittableRandom(42);
        for (long seed = 0; seed < 50; seed++) {
            Side[] s = run(BOTH, EncryptionPolicy.PREFER, seed % 2 == 0, Chunker.random(r, 1 + r.nextInt(100)), seed);
            assertEstablished(s[0], s[1], CryptoMethod.RC4, true);
        }
    }

    @Test
    void plainHandshake_acceptedByAllowResponder_establishesPlain() {
        Side[] s = run(Set.of(), EncryptionPolicy.ALLOW, true, Chunker.bytes(), 3);
        assertEstablished(s[0], s[1], null, false);
    }

    /** Records what the initiator sent in a normal run, then replays it to a responder with the same seed. */
    private static byte[] initiatorTranscript(long seed, Set<CryptoMethod> provide) {
        Side a = side(initiator(provide, INFO_HASH, true, new SplittableRandom(seed)));
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(seed + 1)));
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        a.engine.start().toCompletableFuture().join();
        for (int round = 0; round < 10; round++) {
            byte[] ab = a.drain();
            all.writeBytes(ab);
            if (ab.length > 0) {
                b.feed(ab);
            }
            byte[] ba = b.drain();
            if (ba.length > 0) {
                a.feed(ba);
            }
        }
        assertThat(b.result).isNotNull();
        if (a.result != null && a.result.encrypted()) {
            all.writeBytes(a.engine.encodePayload("payload-after-handshake".getBytes()));
        }
        return all.toByteArray();
    }

    @Test
    void responder_oneGiantChunkWithHandshakeAndPayload_establishesAndKeepsPayload() {
        for (long seed = 0; seed < 20; seed++) {
            byte[] transcript = initiatorTranscript(seed, RC4);
            Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(seed + 1)));
            b.feed(transcript);
            assertThat(b.failure).isNull();
            assertThat(b.result.encrypted()).isTrue();
            assertThat(b.payload.toString()).isEqualTo("payload-after-handshake");
            assertThat(b.engine.buffered()).isZero();
        }
    }

    @Test
    void responder_transcriptByteAtATime_establishes() {
        byte[] transcript = initiatorTranscript(11, RC4);
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(12)));
        for (byte x : transcript) {
            b.feed(new byte[] {x});
        }
        assertThat(b.failure).isNull();
        assertThat(b.payload.toString()).isEqualTo("payload-after-handshake");
    }

    // ------------------------------------------------------------ detection

    @Test
    void responder_first19BytesOfProtocolHeaderThenOther_treatsAsMse() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(1)));
        byte[] ya = new byte[96];
        System.arraycopy(BtHandshake.HEADER, 0, ya, 0, 19);
        ya[19] = 'X';
        b.feed(Arrays.copyOf(ya, 20));
        assertThat(b.engine.state()).isEqualTo(HandshakeEngine.State.R_AWAIT_YA);
    }

    @Test
    void responder_nineteenBytes_doesNotDecideYet() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(1)));
        b.feed(Arrays.copyOf(BtHandshake.HEADER, 19));
        assertThat(b.engine.state()).isEqualTo(HandshakeEngine.State.R_AWAIT_FIRST);
    }

    // ------------------------------------------------------------ bad input

    private static void assertFailed(Side s, Class<? extends MseException> type, String... fragments) {
        assertThat(s.failure).isInstanceOf(type);
        for (String f : fragments) {
            assertThat(s.failure.getMessage()).contains(f);
        }
        assertThat(s.failures).isEqualTo(1);
        assertThat(s.engine.state()).isEqualTo(HandshakeEngine.State.FAILED);
        assertThat(s.engine.buffered()).isZero();
        s.feed(new byte[1000]); // input after FAILED is discarded
        assertThat(s.failures).isEqualTo(1);
        assertThat(s.engine.buffered()).isZero();
    }

    private static byte[] fixed(BigInteger v) {
        return MseCrypto.toFixed(v);
    }

    @Test
    void responder_publicKeyOne_failsInvalidPublicKey() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(1)));
        b.feed(fixed(BigInteger.ONE));
        assertFailed(b, MseException.InvalidPublicKey.class, "[2, P-2]");
    }

    @Test
    void responder_publicKeyPMinus1_failsInvalidPublicKey() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(1)));
        b.feed(fixed(MseCrypto.P.subtract(BigInteger.ONE)));
        assertFailed(b, MseException.InvalidPublicKey.class);
    }

    @Test
    void initiator_publicKeyZero_failsInvalidPublicKey() {
        Side a = side(initiator(RC4, INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        a.feed(new byte[96]);
        assertFailed(a, MseException.InvalidPublicKey.class);
    }

    @Test
    void publicKey_boundaries2AndPMinus2_accepted() {
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(1));
        assertThat(kp.sharedSecret(fixed(BigInteger.TWO))).hasSize(96);
        assertThat(kp.sharedSecret(fixed(MseCrypto.P.subtract(BigInteger.TWO)))).hasSize(96);
    }

    @Test
    void responder_noReq1WithinWindow_failsSyncNotFound() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(1)));
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(9));
        b.feed(kp.publicKey());
        b.feed(new byte[512 + 19]); // one byte short of the window: still waiting
        assertThat(b.failure).isNull();
        assertThat(b.engine.state()).isEqualTo(HandshakeEngine.State.R_AWAIT_REQ1);
        b.feed(new byte[1]);
        assertFailed(b, MseException.SyncNotFound.class, "req1", "532");
    }

    @Test
    void initiator_noVcWithinWindow_failsSyncNotFound() {
        Side a = side(initiator(RC4, INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(9));
        a.feed(kp.publicKey());
        a.feed(new byte[519]);
        assertThat(a.failure).isNull();
        a.feed(new byte[1]);
        assertFailed(a, MseException.SyncNotFound.class, "verification constant", "520");
    }

    @Test
    void responder_unknownInfoHash_failsUnknownInfoHash() {
        Side a = side(initiator(RC4, OTHER_HASH, true, new SplittableRandom(1)));
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        EngineHarness.pump(a, b, Chunker.whole());
        assertFailed(b, MseException.UnknownInfoHash.class, "does not serve");
    }

    @Test
    void responder_requiredButOnlyPlaintextOffered_failsNoCommonMethod() {
        Side a = side(initiator(PLAIN_ONLY, INFO_HASH, true, new SplittableRandom(1)));
        Side b = side(responder(EncryptionPolicy.REQUIRED, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        EngineHarness.pump(a, b, Chunker.whole());
        assertFailed(b, MseException.NoCommonMethod.class, "0x1", "rc4 only");
    }

    @Test
    void responder_plainHandshakeUnderRequired_failsPolicyRejected() {
        Side b = side(responder(EncryptionPolicy.REQUIRED, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        b.feed(new BtHandshake(new byte[8], INFO_HASH, PEER_A).encode());
        assertFailed(b, MseException.PolicyRejected.class, "required");
    }

    @Test
    void responder_mseUnderDisabled_failsPolicyRejected() {
        Side b = side(responder(EncryptionPolicy.DISABLED, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        b.feed(MseCrypto.newKeyPair(new SplittableRandom(3)).publicKey());
        assertFailed(b, MseException.PolicyRejected.class, "disabled");
    }

    @Test
    void responder_plainHandshakeForUnknownTorrent_failsUnknownInfoHash() {
        Side b = side(responder(EncryptionPolicy.ALLOW, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        b.feed(new BtHandshake(new byte[8], OTHER_HASH, PEER_A).encode());
        assertFailed(b, MseException.UnknownInfoHash.class, "fedcba98");
    }

    @Test
    void initiator_peerHandshakeForOtherTorrent_failsBadPeerHandshake() {
        Side a = side(initiator(Set.of(), INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        a.feed(new BtHandshake(new byte[8], OTHER_HASH, PEER_B).encode());
        assertFailed(a, MseException.BadPeerHandshake.class, "fedcba98");
    }

    @Test
    void initiator_garbledProtocolString_failsBadPeerHandshake() {
        Side a = side(initiator(Set.of(), INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        byte[] hs = new BtHandshake(new byte[8], INFO_HASH, PEER_B).encode();
        hs[5] ^= 1;
        a.feed(hs);
        assertFailed(a, MseException.BadPeerHandshake.class, "BitTorrent protocol");
    }

    // scripted peers for fields a well-behaved engine never sends

    /** A hand-built initiator: Ya, then req1 | req2^req3 | RC4_A(VC | provide | len(PadC) | PadC | len(IA) | IA). */
    private static byte[] scriptedStep3(Side b, MseCrypto.KeyPair kp, int provide, int padC, int iaLen) {
        byte[] yb = Arrays.copyOf(b.drain(), 96);
        byte[] s = kp.sharedSecret(yb);
        byte[] req2 = MseCrypto.hash("req2", INFO_HASH);
        byte[] req3 = MseCrypto.hash("req3", s);
        for (int i = 0; i < 20; i++) {
            req2[i] ^= req3[i];
        }
        byte[] plain = new byte[8 + 4 + 2 + Math.min(padC, 600) + 2 + iaLen];
        plain[11] = (byte) provide;
        plain[12] = (byte) (padC >> 8);
        plain[13] = (byte) padC;
        int p = 14 + Math.min(padC, 600);
        plain[p] = (byte) (iaLen >> 8);
        plain[p + 1] = (byte) iaLen;
        MseCrypto.rc4("keyA", s, INFO_HASH).apply(plain, 0, plain.length);
        java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
        o.writeBytes(MseCrypto.hash("req1", s));
        o.writeBytes(req2);
        o.writeBytes(plain);
        return o.toByteArray();
    }

    @Test
    void responder_padCAbove512_failsPadTooLong() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(5));
        b.feed(kp.publicKey());
        b.feed(scriptedStep3(b, kp, 2, 513, 0));
        assertFailed(b, MseException.PadTooLong.class, "513", "512");
    }

    @Test
    void responder_iaAboveLimit_failsInitialPayloadTooLong() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(5));
        b.feed(kp.publicKey());
        b.feed(scriptedStep3(b, kp, 2, 0, 69));
        assertFailed(b, MseException.InitialPayloadTooLong.class, "69", "68");
    }

    @Test
    void responder_provideZero_failsNoCommonMethod() {
        Side b = side(responder(EncryptionPolicy.ALLOW, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(5));
        b.feed(kp.publicKey());
        b.feed(scriptedStep3(b, kp, 0, 0, 0));
        assertFailed(b, MseException.NoCommonMethod.class, "0x0");
    }

    /** A hand-built responder: Yb | RC4_B(VC | select | len(PadD)). */
    private static byte[] scriptedStep2And4(Side a, int select, int padD) {
        byte[] ya = Arrays.copyOf(a.drain(), 96);
        MseCrypto.KeyPair kp = MseCrypto.newKeyPair(new SplittableRandom(77));
        byte[] s = kp.sharedSecret(ya);
        byte[] step4 = new byte[14];
        step4[11] = (byte) select;
        step4[12] = (byte) (padD >> 8);
        step4[13] = (byte) padD;
        MseCrypto.rc4("keyB", s, INFO_HASH).apply(step4, 0, step4.length);
        byte[] out = Arrays.copyOf(kp.publicKey(), 96 + 14);
        System.arraycopy(step4, 0, out, 96, 14);
        return out;
    }

    @Test
    void initiator_padDAbove512_failsPadTooLong() {
        Side a = side(initiator(RC4, INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        a.feed(scriptedStep2And4(a, 2, 600));
        assertFailed(a, MseException.PadTooLong.class, "600");
    }

    @Test
    void initiator_selectNotOffered_failsNoCommonMethod() {
        Side a = side(initiator(RC4, INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        a.feed(scriptedStep2And4(a, 1, 0));
        assertFailed(a, MseException.NoCommonMethod.class, "0x1", "0x2");
    }

    @Test
    void initiator_selectTwoBits_failsNoCommonMethod() {
        Side a = side(initiator(BOTH, INFO_HASH, true, new SplittableRandom(1)));
        a.engine.start().toCompletableFuture().join();
        a.feed(scriptedStep2And4(a, 3, 0));
        assertFailed(a, MseException.NoCommonMethod.class, "0x3");
    }

    @Test
    void timeout_beforeEstablished_failsHandshakeTimeoutAndReleases() {
        Side b = side(responder(EncryptionPolicy.PREFER, List.of(INFO_HASH), 68, new SplittableRandom(2)));
        b.feed(new byte[50]);
        b.engine.timeout("test");
        assertFailed(b, MseException.HandshakeTimeout.class, "R_AWAIT_YA", "stalled");
    }
}
