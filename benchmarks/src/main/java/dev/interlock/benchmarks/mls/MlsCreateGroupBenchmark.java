package dev.interlock.benchmarks.mls;

import dev.interlock.plugin.mls.MlsClient;
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
 * Latency of creating an MLS group through plugin-mls's client, beside the same bcmls calls made directly, in the
 * same run (issue 5: the cost of the operation queue, the lane and the client's bookkeeping).
 *
 * <ul>
 *   <li>{@code client}: {@code MlsClient.createGroup()} awaited by the benchmark thread: a hop into the client's
 *       operation queue, a hop into the JVM-wide {@code MlsLane} (a second queue plus the JVM lock) for the library
 *       work, {@code EmbeddedDeliveryService.createGroup} (registers the group and its GroupInfo), the client's
 *       session bookkeeping, and the completion back to the caller. Virtual-thread scheduler, as in production.
 *   <li>{@code bcmls}: the library work of that operation on the calling thread ({@link Bcmls.Member#createGroup}):
 *       an X25519 leaf key pair, the signed leaf node, {@code new Group(...)}, and the signed GroupInfo the client
 *       publishes.
 * </ul>
 * Not measured: login (vault, key packages) and the client's set-up. Each iteration starts with a fresh client and
 * delivery service, so the client's group map and the service's group table hold only that iteration's groups.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class MlsCreateGroupBenchmark {

    /** A logged-in client, new for each iteration. */
    @State(Scope.Benchmark)
    public static class ClientState {
        MlsWorld world;
        MlsClient alice;

        @Setup(Level.Iteration)
        public void setUp() {
            world = new MlsWorld();
            alice = world.login("alice");
        }

        @TearDown(Level.Iteration)
        public void tearDown() {
            world.close();
        }
    }

    /** The same identity for direct bcmls calls. */
    @State(Scope.Benchmark)
    public static class DirectState {
        Bcmls.Member alice;

        @Setup(Level.Trial)
        public void setUp() throws Exception {
            alice = new Bcmls.Member("alice");
        }
    }

    @Benchmark
    public byte[] client(ClientState s) {
        return MlsWorld.await(s.alice.createGroup());
    }

    @Benchmark
    public Bcmls.Created bcmls(DirectState s) throws Exception {
        return s.alice.createGroup();
    }
}
