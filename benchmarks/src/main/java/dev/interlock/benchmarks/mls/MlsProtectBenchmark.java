package dev.interlock.benchmarks.mls;

import dev.interlock.plugin.mls.MlsClient;
import org.bouncycastle.mls.protocol.Group;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Latency of one 1 KiB application message through plugin-mls's client, beside the same bcmls calls made directly,
 * in the same run (issue 5). Two-member groups throughout.
 *
 * <ul>
 *   <li>{@code clientSend}: {@code MlsClient.send(group, 1 KiB)} awaited: client queue, lane (protect, encode), post
 *       to the embedded delivery service, completion. The other member ({@code carol}) runs no client, so nothing else
 *       competes; alice's own notification sync (the service tells every subscriber about every post; she fetches
 *       and skips her own message) queues behind each send and is part of the steady state.
 *   <li>{@code clientSendToReceive}: protect AND unprotect through two clients: from {@code alice.send} to
 *       {@code bob}'s message listener holding the plaintext (checked): alice's send as above, then the service's
 *       notification, bob's sync operation (client queue, fetch, lane: structural check, epoch check, sender data,
 *       decode, unprotect) and the listener hop. Alice's notification sync runs concurrently.
 *   <li>{@code bcmlsProtect}: protect + encode ({@link Bcmls#protect}) on the calling thread.
 *   <li>{@code bcmlsProtectUnprotect}: protect + encode, then the receiver's decode + unprotect
 *       ({@link Bcmls#unprotect}), both on the calling thread.
 * </ul>
 * The client commits an update after {@code maxSendsPerEpoch} (default 1,000) sends in one epoch, its bound on the
 * message keys bcmls keeps; the baselines do the same (the update commit and, for the pair, the receiver's handle), so
 * both sides carry the same amortized library work (one commit per 1,000 messages: a few microseconds each).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MlsProtectBenchmark {

    /** Application payload size. */
    static final int SIZE = 1024;
    /** MlsClient.Options.defaults' maxSendsPerEpoch. */
    static final int SENDS_PER_EPOCH = 1_000;

    static byte[] payload(long counter) {
        byte[] p = new byte[SIZE];
        ByteBuffer.wrap(p).putLong(counter);
        return p;
    }

    /** alice's client in a group with carol, who runs no client. */
    @State(Scope.Benchmark)
    public static class SenderState {
        MlsWorld world;
        MlsClient alice;
        byte[] group;
        final byte[] payload = payload(0);

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            world = new MlsWorld();
            alice = world.login("alice");
            if (alice.options().maxSendsPerEpoch() != SENDS_PER_EPOCH) {
                throw new IllegalStateException("the baseline assumes maxSendsPerEpoch " + SENDS_PER_EPOCH);
            }
            group = MlsWorld.await(alice.createGroup());
            world.publishKeyPackage(new Bcmls.Member("carol"));
            MlsWorld.await(alice.addMember(group, "carol"));
            world.dropWelcomes("carol");
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            world.close();
        }
    }

    /** alice's and bob's clients in one group; bob's listener completes {@link #waiting}. */
    @State(Scope.Benchmark)
    public static class PairState {
        MlsWorld world;
        MlsClient alice;
        MlsClient bob;
        byte[] group;
        long counter;
        volatile CompletableFuture<MlsClient.Received> waiting;

        @Setup(Level.Trial)
        public void setUp() {
            world = new MlsWorld();
            alice = world.login("alice");
            bob = world.login("bob");
            group = MlsWorld.await(alice.createGroup());
            MlsWorld.await(alice.addMember(group, "bob"));
            MlsWorld.await(bob.sync()); // takes the Welcome and joins (if the notification has not already)
            MlsClient.GroupStatus a = MlsWorld.await(alice.status(group));
            MlsClient.GroupStatus b = MlsWorld.await(bob.status(group));
            if (a.epoch() != b.epoch() || !Arrays.equals(a.epochAuthenticator(), b.epochAuthenticator())) {
                throw new IllegalStateException("alice and bob disagree on group " + HexFormat.of().formatHex(group));
            }
            bob.onMessage(r -> {
                CompletableFuture<MlsClient.Received> w = waiting;
                if (w != null) {
                    w.complete(r);
                }
            });
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            world.close();
        }
    }

    /** alice's Group with carol, held directly. */
    @State(Scope.Benchmark)
    public static class DirectSenderState {
        Group alice;
        int sentThisEpoch;
        final byte[] payload = payload(0);

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            Bcmls.Member a = new Bcmls.Member("alice");
            alice = a.createGroup().group();
            alice = Bcmls.commitAdd(alice, new Bcmls.Member("carol").keyPackage(), "carol").next();
        }
    }

    /** alice's and bob's Groups, held directly. */
    @State(Scope.Benchmark)
    public static class DirectPairState {
        Group alice;
        Group bob;
        int sentThisEpoch;
        final byte[] payload = payload(0);

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            Bcmls.Member a = new Bcmls.Member("alice");
            Bcmls.Member b = new Bcmls.Member("bob");
            alice = a.createGroup().group();
            Bcmls.Committed c = Bcmls.commitAdd(alice, b.keyPackage(), "bob");
            alice = c.next();
            bob = b.join(c.welcome());
            if (!Arrays.equals(alice.getEpochAuthenticator(), bob.getEpochAuthenticator())) {
                throw new IllegalStateException("alice and bob disagree");
            }
        }
    }

    @Benchmark
    public long clientSend(SenderState s) {
        return MlsWorld.await(s.alice.send(s.group, s.payload));
    }

    @Benchmark
    public MlsClient.Received clientSendToReceive(PairState s) {
        long n = ++s.counter;
        CompletableFuture<MlsClient.Received> w = new CompletableFuture<>();
        s.waiting = w;
        MlsWorld.await(s.alice.send(s.group, payload(n)));
        MlsClient.Received r = MlsWorld.await(w);
        if (r.plaintext().length != SIZE || ByteBuffer.wrap(r.plaintext()).getLong() != n) {
            throw new IllegalStateException("bob received the wrong message (expected #" + n + ")");
        }
        return r;
    }

    @Benchmark
    public byte[] bcmlsProtect(DirectSenderState s) throws Exception {
        if (s.sentThisEpoch >= SENDS_PER_EPOCH) {
            s.alice = Bcmls.commitUpdate(s.alice).next();
            s.sentThisEpoch = 0;
        }
        s.sentThisEpoch++;
        return Bcmls.protect(s.alice, s.payload);
    }

    @Benchmark
    public byte[] bcmlsProtectUnprotect(DirectPairState s) throws Exception {
        if (s.sentThisEpoch >= SENDS_PER_EPOCH) {
            Bcmls.Committed c = Bcmls.commitUpdate(s.alice);
            s.alice = c.next();
            s.bob = Bcmls.handle(s.bob, c.commit());
            s.sentThisEpoch = 0;
        }
        s.sentThisEpoch++;
        byte[] plain = Bcmls.unprotect(s.bob, Bcmls.protect(s.alice, s.payload));
        if (plain.length != SIZE) {
            throw new IllegalStateException("unprotect returned " + plain.length + " bytes");
        }
        return plain;
    }
}
