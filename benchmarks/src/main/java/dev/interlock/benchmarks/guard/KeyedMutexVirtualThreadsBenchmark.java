package dev.interlock.benchmarks.guard;

import com.google.common.util.concurrent.Striped;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedMutex;
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

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Eight virtual threads, each doing {@value #OPS_PER_THREAD} acquire/release pairs over a pool of 1024 keys
 * (uniform or Zipf); the score is the time per acquire/release pair across all threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Benchmark)
public class KeyedMutexVirtualThreadsBenchmark {

    static final int THREADS = 8;
    static final int OPS_PER_THREAD = 8_192;

    @Param({"uniform", "zipf"})
    public String keys;

    private ExecutorService guardExecutor;
    private KeyedMutex<Long> mutex;
    private final Striped<Lock> striped = Striped.lazyWeakLock(1023);
    private final RefCountedKeyedLock<Long> refCounted = new RefCountedKeyedLock<>();
    private Long[][] sequences;

    @Setup(Level.Trial)
    public void setUp() {
        guardExecutor = Executors.newVirtualThreadPerTaskExecutor();
        mutex = ConcurrencyGuard.inJvm(Scheduler.system(guardExecutor)).newKeyedMutex("bench-vt");
        sequences = new Long[THREADS][];
        for (int t = 0; t < THREADS; t++) {
            sequences[t] = keys.equals("zipf") ? KeySequence.zipf(t) : KeySequence.uniform(t);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        guardExecutor.close();
    }

    private interface Body {
        void run(Long key) throws Exception;
    }

    private void onVirtualThreads(Body body) throws InterruptedException {
        Thread[] threads = new Thread[THREADS];
        for (int t = 0; t < THREADS; t++) {
            Long[] seq = sequences[t];
            threads[t] = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < OPS_PER_THREAD; i++) {
                        body.run(seq[i & (KeySequence.LENGTH - 1)]);
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        for (Thread thread : threads) {
            thread.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * OPS_PER_THREAD)
    public void interlock() throws InterruptedException {
        onVirtualThreads(key -> mutex.lock(key).release());
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * OPS_PER_THREAD)
    public void striped() throws InterruptedException {
        onVirtualThreads(key -> {
            Lock lock = striped.get(key);
            lock.lock();
            lock.unlock();
        });
    }

    @Benchmark
    @OperationsPerInvocation(THREADS * OPS_PER_THREAD)
    public void refCounted() throws InterruptedException {
        onVirtualThreads(key -> refCounted.acquire(key).release());
    }
}
