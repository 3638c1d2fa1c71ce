package dev.interlock.benchmarks.guard;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.SingleFlight;
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

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A burst of {@value #CALLERS} concurrent callers (virtual threads) on one key. The shared work takes about 200 µs
 * of CPU (hashing), so early callers start it and later ones join. The score is the time until every caller has its
 * result; the {@code executions} counter is how many times the work ran per burst (1 is ideal; callers arriving after
 * completion start a new one, because neither variant caches).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class SingleFlightBurstBenchmark {

    static final int CALLERS = 1_000;
    private static final Long KEY = 77_777_777L;

    private ExecutorService executor;
    private SingleFlight<Long, Long> flight;
    private AsyncCache<Long, Long> cache;

    /** Executions per burst, reported beside the time. */
    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Counters {
        public long executions;
        public long bursts;

        @Setup(Level.Iteration)
        public void reset() {
            executions = 0;
            bursts = 0;
        }

    }

    @Setup(Level.Trial)
    public void setUp() {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        flight = ConcurrencyGuard.inJvm(Scheduler.system(executor)).newSingleFlight("burst");
        cache = Caffeine.newBuilder().executor(executor).buildAsync();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        executor.close();
    }

    static long work() {
        long h = 1125899906842597L;
        for (int i = 0; i < 40_000; i++) {
            h = 31 * h + (h >>> 7) + i;
        }
        return h;
    }

    private interface Caller {
        CompletableFuture<Long> call(AtomicInteger executions);
    }

    private void burst(Caller caller, Counters counters) throws InterruptedException {
        AtomicInteger executions = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(CALLERS);
        for (int i = 0; i < CALLERS; i++) {
            executor.execute(() -> caller.call(executions).whenComplete((v, e) -> done.countDown()));
        }
        done.await();
        counters.executions += executions.get();
        counters.bursts++;
    }

    @Benchmark
    public void interlock(Counters counters) throws InterruptedException {
        burst(executions -> flight.execute(KEY, () -> CompletableFuture.supplyAsync(() -> {
            executions.incrementAndGet();
            return work();
        }, executor)).toCompletableFuture(), counters);
    }

    @Benchmark
    public void caffeine(Counters counters) throws InterruptedException {
        burst(executions -> {
            // remove exactly this flight's future when it completes: nothing cached, like single-flight
            CompletableFuture<Long> f = cache.get(KEY, (k, e) -> CompletableFuture.supplyAsync(() -> {
                executions.incrementAndGet();
                return work();
            }, e));
            f.whenComplete((v, e) -> cache.asMap().remove(KEY, f));
            return f;
        }, counters);
    }
}
