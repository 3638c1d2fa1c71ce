package dev.interlock.benchmarks.guard;

import com.google.common.util.concurrent.Striped;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedMutex;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keyed mutex: acquire + release with no work inside, beside what a user would pick instead.
 *
 * <ul>
 *   <li>{@code keys=present}: the same key every time (an uncontended hot key);
 *       {@code fresh}: a key never used before every time (the map must create and retire an entry);
 *       {@code uniform}/{@code zipf}: draws from a pool of 1024 keys, uniform or skewed (Zipf s=1). Run with
 *       {@code -t 2} for contention.
 *   <li>{@code reentrantLock} ignores the key: the floor for one lock/unlock.
 *   <li>{@code striped}: Guava {@code Striped.lazyWeakLock(1023)} (unequal keys may share a lock).
 *   <li>{@code refCounted}: a ConcurrentHashMap of ReentrantLocks with reference counts (Elasticsearch KeyedLock).
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class KeyedMutexBenchmark {

    @Param({"present", "fresh", "uniform", "zipf"})
    public String keys;

    private ExecutorService executor;
    private KeyedMutex<Long> mutex;
    private final ReentrantLock bare = new ReentrantLock();
    private final Striped<Lock> striped = Striped.lazyWeakLock(1023);
    private final RefCountedKeyedLock<Long> refCounted = new RefCountedKeyedLock<>();

    static final AtomicLong SEEDS = new AtomicLong(42);
    static final Long[] FRESH_KEYS = KeySequence.boxed(KeySequence.FRESH);

    @Setup(Level.Trial)
    public void setUp() {
        executor = Executors.newVirtualThreadPerTaskExecutor();
        mutex = ConcurrencyGuard.inJvm(Scheduler.system(executor)).newKeyedMutex("bench");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (mutex.activeKeys() != 0) {
            throw new IllegalStateException("keyed mutex leaked " + mutex.activeKeys() + " keys");
        }
        executor.close();
    }

    /** Per-thread key source. */
    @State(Scope.Thread)
    public static class Keys {
        Long[] sequence;
        int index;
        Long present = 123_456_789L;
        boolean fresh;

        @Setup(Level.Trial)
        public void setUp(KeyedMutexBenchmark bench) {
            long seed = SEEDS.getAndIncrement();
            fresh = bench.keys.equals("fresh");
            sequence = switch (bench.keys) {
                case "present" -> null;
                case "fresh" -> FRESH_KEYS;
                case "uniform" -> KeySequence.uniform(seed);
                case "zipf" -> KeySequence.zipf(seed);
                default -> throw new IllegalArgumentException("keys=" + bench.keys);
            };
            // threads start at different offsets so that fresh keys stay distinct between threads for a while
            index = (int) (seed * 104_729) & (KeySequence.FRESH - 1);
        }

        Long next() {
            if (sequence == null) {
                return present;
            }
            int mask = fresh ? KeySequence.FRESH - 1 : KeySequence.LENGTH - 1;
            return sequence[index++ & mask];
        }
    }

    @Benchmark
    public void interlock(Keys k) throws InterruptedException {
        mutex.lock(k.next()).release();
    }

    @Benchmark
    public void interlockTryAcquire(Keys k) throws InterruptedException {
        Long key = k.next();
        var permit = mutex.tryAcquire(key);
        if (permit.isPresent()) {
            permit.get().release();
        } else {
            mutex.lock(key).release();
        }
    }

    @Benchmark
    public void striped(Keys k) {
        Lock lock = striped.get(k.next());
        lock.lock();
        lock.unlock();
    }

    @Benchmark
    public void refCounted(Keys k) {
        refCounted.acquire(k.next()).release();
    }

    @Benchmark
    public void reentrantLock(Keys k) {
        k.next();
        bare.lock();
        bare.unlock();
    }
}
