package dev.interlock.benchmarks.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedOperationQueue;
import dev.interlock.api.guard.OperationQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Operations per second through one serial lane: {@value #BATCH} no-op operations submitted by one thread, then
 * waiting for the last. Executors: {@code virtual} (a virtual thread per task) or {@code forkjoin} (a dedicated
 * 2-thread ForkJoinPool, like the common pool on this machine).
 *
 * <ul>
 *   <li>{@code interlock}: {@code OperationQueue.submit} of an already-completed stage (the lane still waits for each
 *       stage before starting the next).
 *   <li>{@code drainLane}: ConcurrentLinkedQueue + AtomicBoolean drain (synchronous tasks only).
 *   <li>{@code singleThreadExecutor}: {@code Executors.newSingleThreadExecutor()}.
 *   <li>{@code promiseChain}: the seed's JavaScript promise-chain mutex in Java, {@code tail = tail.thenComposeAsync(op)}.
 *   <li>{@code interlockKeyed10k}: one operation on each of 10,000 keyed lanes (lanes created and retired).
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class OperationQueueBenchmark {

    static final int BATCH = 10_000;
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final Supplier<CompletionStage<Void>> NO_OP = () -> DONE;

    @Param({"virtual", "forkjoin"})
    public String executorKind;

    private ExecutorService executor;
    private OperationQueue lane;
    private KeyedOperationQueue<Integer> keyedLanes;
    private DrainLane drainLane;
    private ExecutorService single;
    private Integer[] keys;

    @Setup(Level.Trial)
    public void setUp() {
        executor = executorKind.equals("virtual") ? Executors.newVirtualThreadPerTaskExecutor() : new ForkJoinPool(2);
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(Scheduler.system(executor));
        lane = guard.newOperationQueue("bench", BATCH * 2);
        keyedLanes = guard.newKeyedOperationQueue("bench-keyed", 16);
        drainLane = new DrainLane(executor);
        single = Executors.newSingleThreadExecutor();
        keys = new Integer[BATCH];
        for (int i = 0; i < BATCH; i++) {
            keys[i] = i;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        lane.close();
        keyedLanes.close();
        single.close();
        executor.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object interlock() {
        CompletionStage<Void> last = null;
        for (int i = 0; i < BATCH; i++) {
            last = lane.submit(NO_OP);
        }
        return last.toCompletableFuture().join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void drainLane() throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        Runnable noOp = () -> { };
        for (int i = 0; i < BATCH - 1; i++) {
            drainLane.execute(noOp);
        }
        drainLane.execute(done::countDown);
        done.await();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object singleThreadExecutor() throws Exception {
        Runnable noOp = () -> { };
        Future<?> last = null;
        for (int i = 0; i < BATCH; i++) {
            last = single.submit(noOp);
        }
        return last.get();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object promiseChain() {
        CompletableFuture<Void> tail = DONE;
        for (int i = 0; i < BATCH; i++) {
            tail = tail.thenComposeAsync(ignored -> DONE, executor);
        }
        return tail.join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object interlockKeyed10k() {
        CompletableFuture<?>[] all = new CompletableFuture<?>[BATCH];
        for (int i = 0; i < BATCH; i++) {
            all[i] = keyedLanes.submit(keys[i], NO_OP).toCompletableFuture();
        }
        return CompletableFuture.allOf(all).join();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object promiseChainKeyed10k() {
        // what people write instead: a map of per-key promise chains (never retired here: it only grows)
        ConcurrentHashMap<Integer, CompletableFuture<Void>> tails = new ConcurrentHashMap<>();
        CompletableFuture<?>[] all = new CompletableFuture<?>[BATCH];
        for (int i = 0; i < BATCH; i++) {
            all[i] = tails.compute(keys[i], (k, tail) ->
                    (tail == null ? DONE : tail).thenComposeAsync(ignored -> DONE, executor));
        }
        return CompletableFuture.allOf(all).join();
    }
}
