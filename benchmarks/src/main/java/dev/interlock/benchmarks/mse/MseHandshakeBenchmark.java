package dev.interlock.benchmarks.mse;

import dev.interlock.plugin.mse.CryptoMethod;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Cost of one complete MSE handshake between two local peers, beside its floor: the Diffie-Hellman modular
 * exponentiations, measured in the same run.
 *
 * <ul>
 *   <li>{@code handshakeMemory}: initiator ({@code required}) and responder ({@code required}) in this JVM over an
 *       in-memory pipe: Ya/Yb, both DH secrets, req1/req2^req3 sync, VC, crypto_provide/select (RC4 selected), pads,
 *       the 1024-byte keystream drop, the BitTorrent handshake as IA and the responder's BitTorrent handshake back,
 *       then both sessions closed. Timed from the dial to both sides established and closed.
 *   <li>{@code handshakeTcp}: the same over a new loopback TCP connection per handshake (connect, accept, two reader
 *       virtual threads, close).
 *   <li>{@code modexpBothSides}: the floor of one handshake: the four {@link BigInteger#modPow} both peers need
 *       (each draws a 160-bit private exponent and computes Y = 2^x mod P, then S = Y_peer^x mod P) over the 768-bit
 *       MSE prime, exactly as plugin-mse does.
 *   <li>{@code modexpOneSide}: one peer's share of it (one key pair, one shared secret: two exponentiations).
 * </ul>
 * Read {@code us/op} as the time per handshake; handshakes/s = 1e6 / us/op. The four exponentiations are on the
 * handshake's critical path one after another (plugin-mse's responder computes Yb and S together once Ya has
 * arrived, and the initiator can compute S only after Yb), so even with idle cores a handshake cannot beat
 * {@code modexpBothSides}; the ratio handshake / modexpBothSides is the handshake's cost in units of its floor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MseHandshakeBenchmark {

    /** The MSE prime P: 768 bits, the Oakley group 1 prime (same constant as plugin-mse's MseCrypto.P). */
    static final BigInteger P = new BigInteger(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF"
                    + "9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563",
            16);
    /** The generator G = 2. */
    static final BigInteger G = BigInteger.TWO;
    /** Bits of a private exponent: plugin-mse's MseCrypto.PRIVATE_BITS (the spec recommends 160). */
    static final int PRIVATE_BITS = 160;

    private final SecureRandom random = new SecureRandom();
    private BigInteger peerPublic;

    /** The initiator's and the responder's peers, over in-memory pipes. */
    @State(Scope.Benchmark)
    public static class MemoryPeers {
        LocalPeers peers;

        @Setup
        public void setUp() throws Exception {
            peers = LocalPeers.rc4();
            handshake(peers.connectMemory());
        }

        @TearDown
        public void tearDown() throws Exception {
            peers.close();
        }
    }

    /** The initiator's and the responder's peers, over loopback TCP. */
    @State(Scope.Benchmark)
    public static class TcpPeers {
        LocalPeers peers;

        @Setup
        public void setUp() throws Exception {
            peers = LocalPeers.rc4();
            handshake(peers.connectTcp());
        }

        @TearDown
        public void tearDown() throws Exception {
            peers.close();
        }
    }

    @Setup
    public void setUp() {
        peerPublic = G.modPow(privateExponent(random), P);
    }

    /** A private exponent as plugin-mse draws it: {@value #PRIVATE_BITS} random bits, the top one set. */
    static BigInteger privateExponent(SecureRandom random) {
        byte[] bytes = new byte[PRIVATE_BITS / 8];
        random.nextBytes(bytes);
        bytes[0] |= (byte) 0x80;
        return new BigInteger(1, bytes);
    }

    private static Object handshake(LocalPeers.Pair pair) {
        LocalPeers.check(pair, Optional.of(CryptoMethod.RC4));
        pair.close();
        return pair;
    }

    @Benchmark
    public Object handshakeMemory(MemoryPeers state) throws Exception {
        return handshake(state.peers.connectMemory());
    }

    @Benchmark
    public Object handshakeTcp(TcpPeers state) throws Exception {
        return handshake(state.peers.connectTcp());
    }

    @Benchmark
    public void modexpOneSide(Blackhole bh) {
        BigInteger x = privateExponent(random);
        bh.consume(G.modPow(x, P));
        bh.consume(peerPublic.modPow(x, P));
    }

    @Benchmark
    public void modexpBothSides(Blackhole bh) {
        BigInteger xa = privateExponent(random);
        BigInteger xb = privateExponent(random);
        BigInteger ya = G.modPow(xa, P);
        BigInteger yb = G.modPow(xb, P);
        BigInteger sa = yb.modPow(xa, P);
        BigInteger sb = ya.modPow(xb, P);
        bh.consume(sa);
        bh.consume(sb);
    }
}
