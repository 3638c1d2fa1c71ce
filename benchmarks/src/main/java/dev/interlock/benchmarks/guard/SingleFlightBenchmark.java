package dev.interlock.benchmarks.guard;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.SingleFlight;
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
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Single-flight call path beside a bare Caffeine {@code AsyncCache.get} of the same work.
 *
 * <ul>
 *   <li>{@code *Idle}: no flight in progress; the work completes at once. Caffeine needs get + invalidate to give the
 *       same "nothing cached" behaviour.
 *   <li>{@code *Joining}: a flight is in progress (never completes during the trial); the caller joins it and then
 *       withdraws (cancels its own stage). Caffeine hands every caller the same shared future, so one caller's cancel
 *       would cancel everyone's: its figure is a lower bound that gives up that isolation.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class SingleFlightBenchmark {

    private static final Long KEY = 4_242_424_242L;
    private static final Long BUSY = 5_353_535_353L;
    private static final CompletableFuture<String> DONE = CompletableFuture.completedFuture("value");

    private ExecutorService executor;
    private SingleFlight<Long, String> flight;
    private AsyncCache<Long, String> cache;
    private final CompletableFuture<String> never = new CompletableFuture<>();

    @Setup(Level.Trial)
    public void setUp() {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        flight = ConcurrencyGuard.inJvm(Scheduler.system(executor)).newSingleFlight("bench");
        cache = Caffeine.newBuilder().executor(executor).buildAsync();
        flight.execute(BUSY, () -> never);
        cache.get(BUSY, (k, e) -> never);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        never.complete("done");
        executor.close();
    }

    @Benchmark
    public String interlockIdle() {
        return flight.execute(KEY, () -> DONE).toCompletableFuture().join();
    }

    @Benchmark
    public String caffeineIdle() {
        String value = cache.get(KEY, (k, e) -> DONE).join();
        cache.synchronous().invalidate(KEY);
        return value;
    }

    @Benchmark
    public boolean interlockJoining() {
        CompletionStage<String> stage = flight.execute(BUSY, () -> DONE);
        return stage.toCompletableFuture().cancel(false);
    }

    @Benchmark
    public Object caffeineJoining() {
        return cache.get(BUSY, (k, e) -> DONE);
    }
}
