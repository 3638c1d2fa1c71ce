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

import java.util.concurrent.TimeUnit;

/**
 * Latency of an add-member commit through plugin-mls's client, beside the same bcmls calls made directly, in the same
 * run (issue 5).
 *
 * <p>The group is always the same shape: {@code alice} (the committer) and {@code carol} (a member whose leaf is in
 * the tree but who runs no client), and each invocation adds {@code bob}, so every measured commit takes the group
 * from 2 to 3 members with an UpdatePath. Outside the measurement, before each invocation a fresh key package for
 * {@code bob} is made (bcmls) and published to the delivery service; after it, {@code bob} is removed again (a
 * remove commit) and his Welcome is discarded. bcmls cannot commit with a path when the committer would be left
 * alone in the tree, which is why carol is there.
 *
 * <ul>
 *   <li>{@code client}: {@code MlsClient.addMember(group, "bob")}: client queue; claim bob's key package from the
 *       embedded delivery service; lane: structural check, decode, suite/credential/signature check; lane: commit with
 *       the tree inline, encode commit, Welcome and the next GroupInfo; post the commit (one commit per epoch) with
 *       the Welcome; read the group log back and adopt the pending epoch only when the log delivers its bytes (lane);
 *       completion to the caller. The delivery service's notification sync that follows each commit runs after the
 *       operation completes and is not measured (set-up awaits it).
 *   <li>{@code bcmls}: the library work of that operation on the calling thread ({@link Bcmls#commitAdd}): decode and
 *       verify the key package, commit, encode commit, Welcome and next GroupInfo, adopt the next epoch.
 * </ul>
 * Invocation-level set-up: each invocation is about a millisecond, far above JMH's timestamping overhead.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MlsAddMemberBenchmark {

    /** alice's client in a group with carol; bob's key package published before each invocation. */
    @State(Scope.Benchmark)
    public static class ClientState {
        MlsWorld world;
        MlsClient alice;
        Bcmls.Member bob;
        byte[] group;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            world = new MlsWorld();
            alice = world.login("alice");
            bob = new Bcmls.Member("bob");
            Bcmls.Member carol = new Bcmls.Member("carol");
            group = MlsWorld.await(alice.createGroup());
            world.publishKeyPackage(carol);
            MlsWorld.await(alice.addMember(group, "carol"));
            world.dropWelcomes("carol");
        }

        @Setup(Level.Invocation)
        public void publishBob() {
            world.publishKeyPackage(bob);
        }

        @TearDown(Level.Invocation)
        public void removeBob() {
            MlsWorld.await(alice.removeMember(group, "bob"));
            world.dropWelcomes("bob");
            MlsWorld.await(alice.sync()); // behind the notification syncs of both commits: the queue is idle after
            if (MlsWorld.await(alice.status(group)).members().size() != 2) {
                throw new IllegalStateException("group should be back to alice and carol");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            world.close();
        }
    }

    /** The same group shape held directly: alice's Group with carol. */
    @State(Scope.Benchmark)
    public static class DirectState {
        Bcmls.Member bob;
        Group group;
        Group added;
        byte[] keyPackage;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            Bcmls.Member alice = new Bcmls.Member("alice");
            Bcmls.Member carol = new Bcmls.Member("carol");
            bob = new Bcmls.Member("bob");
            group = alice.createGroup().group();
            group = Bcmls.commitAdd(group, carol.keyPackage(), "carol").next();
        }

        @Setup(Level.Invocation)
        public void keyPackageForBob() throws Exception {
            keyPackage = bob.keyPackage();
        }

        @TearDown(Level.Invocation)
        public void removeBob() throws Exception {
            if (added.getEpoch() != group.getEpoch() + 1) {
                throw new IllegalStateException("the add did not produce the next epoch");
            }
            group = Bcmls.commitRemove(added, "bob").next();
            added = null;
        }
    }

    @Benchmark
    public long client(ClientState s) {
        return MlsWorld.await(s.alice.addMember(s.group, "bob"));
    }

    @Benchmark
    public Bcmls.Committed bcmls(DirectState s) throws Exception {
        Bcmls.Committed c = Bcmls.commitAdd(s.group, s.keyPackage, "bob");
        s.added = c.next();
        return c;
    }
}
