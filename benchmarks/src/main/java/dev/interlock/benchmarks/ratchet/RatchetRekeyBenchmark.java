package dev.interlock.benchmarks.ratchet;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetStatus;
import dev.interlock.plugin.ratchet.Side;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Rekey rounds per second between two ratchet channels in one JVM with the real hybrid key exchange
 * (ML-KEM-768 + X25519, {@link KeyExchange#hybridMlKem768X25519()}), beside the raw cost of the key exchange itself
 * measured in the same run (the floor).
 *
 * <p>The channels are wired as in production ({@link Scheduler#virtualThreads()}, the in-JVM guards, default
 * {@link dev.interlock.plugin.ratchet.RatchetOptions}: window 32, so past version 32 every round also truncates) over a
 * {@link MemoryFrameLink}. One round is the reference protocol's four sealed messages: AliceToBob (Alice generates a
 * key pair), BobToAlice (Bob encapsulates, chains and commits), Truncate or LoserCanFinish (Alice decapsulates, chains
 * and commits), LeaderCanFinish; each message is one lane operation on the receiving channel.
 *
 * <ul>
 *   <li>{@code rekey}: the initiator calls {@code triggerRekey()} and waits for its stage, which completes on
 *       LeaderCanFinish, i.e. after both ends committed and finished the round. Each call must reach exactly the
 *       next version, or the benchmark fails.
 *   <li>{@code rekeyContended}: both ends call {@code triggerRekey()} at once and both stages are awaited: both
 *       propose the same version, the initiator wins the tie-break and the responder's key pair is thrown away (or,
 *       if the responder's call is handled after the initiator's proposal arrived, it joins that round). Normally one
 *       round per call pair; the secondary metric {@code rounds} counts the rounds.
 *   <li>{@code hybridKem}: the channel's own key exchange through the public API, with nothing around it:
 *       {@code generate}, {@code encapsulate}, {@code decapsulate} (the crypto floor of one round).
 *   <li>{@code mlKem768}: BouncyCastle ML-KEM-768 key generation + encapsulation + decapsulation.
 *   <li>{@code x25519}: the X25519 half of one round: Alice's key pair, Bob's ephemeral key pair and agreement,
 *       Alice's agreement (two key generations, two agreements).
 * </ul>
 * The floors use the same {@link SecureRandom} construction as the channel ({@code new SecureRandom()}).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class RatchetRekeyBenchmark {

    /** How long one round may take before the benchmark fails with an error (far above any real figure). */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final SecureRandom random = new SecureRandom();
    private final KeyExchange hybrid = KeyExchange.hybridMlKem768X25519();
    private RatchetChannel initiator;
    private RatchetChannel responder;
    private long version;

    @Setup(Level.Trial)
    public void setUp() {
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(Scheduler.virtualThreads());
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        MemoryFrameLink link = MemoryFrameLink.open("initiator", "responder");
        initiator = RatchetChannel.builder(guard).name("initiator").side(Side.INITIATOR).sessionSecret(secret)
                .transport(link.left()).keyExchange(KeyExchange.hybridMlKem768X25519()).open();
        responder = RatchetChannel.builder(guard).name("responder").side(Side.RESPONDER).sessionSecret(secret)
                .transport(link.right()).keyExchange(KeyExchange.hybridMlKem768X25519()).open();
        version = 0;
        // the floors must compute what they claim: both sides of each exchange agree
        byte[][] mlKem = mlKemSecrets();
        byte[][] x = x25519Secrets();
        boolean hybridAgrees;
        try (KeyExchange.PendingKey alice = hybrid.generate()) {
            KeyExchange.Encapsulation bob = hybrid.encapsulate(alice.publicKey());
            hybridAgrees = Arrays.equals(bob.sharedSecret(), alice.decapsulate(bob.ciphertext()));
        }
        if (!Arrays.equals(mlKem[0], mlKem[1]) || !Arrays.equals(x[0], x[1]) || !hybridAgrees) {
            throw new IllegalStateException("a raw key exchange does not agree on its secret (ML-KEM "
                    + Arrays.equals(mlKem[0], mlKem[1]) + ", X25519 " + Arrays.equals(x[0], x[1]) + ", hybrid "
                    + hybridAgrees + ")");
        }
    }

    @TearDown(Level.Iteration)
    public void checkChannels() {
        for (RatchetChannel c : List.of(initiator, responder)) {
            RatchetStatus s = c.status();
            if (s.state().isTerminal() || s.rejectedFrames() != 0) {
                throw new IllegalStateException("channel " + c.name() + " is not healthy: " + s);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (RatchetChannel c : List.of(initiator, responder)) {
            c.close().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Rounds completed, reported by JMH as the secondary metric {@code rounds} (rounds/s). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rounds {
        public long rounds;

        @Setup(Level.Iteration)
        public void reset() {
            rounds = 0;
        }
    }

    @Benchmark
    public long rekey(Rounds counter) throws Exception {
        long reached = initiator.triggerRekey().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (reached != version + 1) {
            throw new IllegalStateException("rekey reached version " + reached + ", expected " + (version + 1));
        }
        version = reached;
        counter.rounds++;
        return reached;
    }

    @Benchmark
    public long rekeyContended(Rounds counter) throws Exception {
        CompletableFuture<Long> a = initiator.triggerRekey().toCompletableFuture();
        CompletableFuture<Long> b = responder.triggerRekey().toCompletableFuture();
        long va = a.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        long vb = b.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        long reached = Math.max(va, vb);
        if (Math.min(va, vb) <= version) {
            throw new IllegalStateException("contended rekey reached versions " + va + " and " + vb
                    + ", expected both above " + version);
        }
        counter.rounds += reached - version;
        version = reached;
        return reached;
    }

    @Benchmark
    public byte[] hybridKem() {
        try (KeyExchange.PendingKey alice = hybrid.generate()) {
            KeyExchange.Encapsulation bob = hybrid.encapsulate(alice.publicKey());
            return alice.decapsulate(bob.ciphertext());
        }
    }

    @Benchmark
    public byte[][] mlKem768() {
        return mlKemSecrets();
    }

    @Benchmark
    public byte[][] x25519() {
        return x25519Secrets();
    }

    private byte[][] mlKemSecrets() {
        MLKEMKeyPairGenerator generator = new MLKEMKeyPairGenerator();
        generator.init(new MLKEMKeyGenerationParameters(random, MLKEMParameters.ml_kem_768));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        SecretWithEncapsulation encapsulated = new MLKEMGenerator(random)
                .generateEncapsulated((MLKEMPublicKeyParameters) pair.getPublic());
        byte[] decapsulated = new MLKEMExtractor((MLKEMPrivateKeyParameters) pair.getPrivate())
                .extractSecret(encapsulated.getEncapsulation());
        return new byte[][] {encapsulated.getSecret(), decapsulated};
    }

    private byte[][] x25519Secrets() {
        X25519PrivateKeyParameters alice = new X25519PrivateKeyParameters(random);
        X25519PublicKeyParameters alicePublic = alice.generatePublicKey();
        X25519PrivateKeyParameters bob = new X25519PrivateKeyParameters(random);
        X25519PublicKeyParameters bobPublic = bob.generatePublicKey();
        return new byte[][] {agree(bob, alicePublic), agree(alice, bobPublic)};
    }

    private static byte[] agree(X25519PrivateKeyParameters own, X25519PublicKeyParameters peer) {
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(own);
        byte[] out = new byte[agreement.getAgreementSize()];
        agreement.calculateAgreement(peer, out, 0);
        return out;
    }
}
