package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedMutex;
import dev.interlock.api.guard.KeyedMutex.Permit;
import dev.interlock.api.guard.KeyedOperationQueue;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.guard.SingleFlight;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Randomized stress with many platform threads and with virtual threads over the production scheduler. Every run
 * prints its seed; set -Dinterlock.stress.seed=N to replay the same choices (thread interleavings still vary).
 * Sizes scale with -Dinterlock.stress.scale (default 1).
 */
class GuardStressTest {

    private static final int SCALE = Integer.getInteger("interlock.stress.scale", 1);

    private ExecutorService executor;
    private ConcurrencyGuard guard;
    private long seed;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    @BeforeEach
    void setUp() {
        executor = Executors.newFixedThreadPool(4);
        guard = ConcurrencyGuard.inJvm(Scheduler.system(executor));
        seed = Long.getLong("interlock.stress.seed", System.nanoTime());
        System.out.println("stress seed " + seed + " (replay with -Dinterlock.stress.seed=" + seed + ")");
    }

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    private void fail(Throwable t) {
        failure.compareAndSet(null, t);
    }

    private void assertNoFailure() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("stress failure, seed " + seed, t);
        }
    }

    private List<Thread> start(int count, boolean virtual, IntFunction<Runnable> body) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Runnable r = body.apply(i);
            Runnable guarded = () -> {
                try {
                    r.run();
                } catch (Throwable t) {
                    fail(t);
                }
            };
            threads.add(virtual ? Thread.ofVirtual().start(guarded) : Thread.ofPlatform().start(guarded));
        }
        return threads;
    }

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            if (!t.join(Duration.ofSeconds(60))) {
                throw new AssertionError("thread did not finish: " + t);
            }
        }
    }

    /** A key per call, skewed: key 0 is hot, the others share the rest. */
    private static int skewedKey(SplittableRandom r, int keys) {
        return r.nextInt(4) == 0 ? 0 : r.nextInt(keys);
    }

    // -------------------------------------------------------------------------------------------------------------

    private void keyedMutexExclusion(int threads, boolean virtual, int opsPerThread) throws Exception {
        KeyedMutex<Integer> m = guard.newKeyedMutex("stress");
        int keys = 8;
        AtomicIntegerArray inside = new AtomicIntegerArray(keys);
        long[] counters = new long[keys]; // plain: only written by holders, so exclusion makes the sums exact
        AtomicLong expected = new AtomicLong();
        List<Thread> ts = start(threads, virtual, id -> () -> {
            SplittableRandom r = new SplittableRandom(seed + id);
            for (int i = 0; i < opsPerThread; i++) {
                int key = skewedKey(r, keys);
                Permit<Integer> p;
                try {
                    switch (r.nextInt(5)) {
                        case 0 -> p = m.lock(key);
                        case 1 -> p = m.tryAcquire(key).orElse(null);
                        case 2 -> p = m.tryLock(key, Duration.ofMillis(r.nextInt(3))).orElse(null);
                        case 3 -> {
                            CompletableFuture<Permit<Integer>> f = m.acquire(key).toCompletableFuture();
                            if (r.nextInt(4) == 0 && f.cancel(false)) {
                                p = null;
                            } else {
                                p = f.join();
                            }
                        }
                        default -> p = m.acquire(key, Duration.ofMillis(1 + r.nextInt(3))).toCompletableFuture()
                                .handle((v, e) -> v).join();
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                if (p == null) {
                    continue;
                }
                if (inside.incrementAndGet(key) != 1) {
                    throw new AssertionError("two holders of key " + key);
                }
                counters[key]++;
                expected.incrementAndGet();
                if (r.nextInt(8) == 0) {
                    Thread.yield();
                }
                inside.decrementAndGet(key);
                Permit<Integer> release = p;
                if (r.nextInt(3) == 0) {
                    // release from another thread (no owner thread)
                    Thread t = Thread.ofVirtual().start(release::release);
                    try {
                        t.join();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                } else {
                    release.release();
                }
            }
        });
        joinAll(ts);
        assertNoFailure();
        long sum = 0;
        for (long c : counters) {
            sum += c;
        }
        assertThat(sum).isEqualTo(expected.get());
        // Timers of expired/cancelled waiters may still be queued; the keys themselves must all be free.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (m.activeKeys() != 0 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(m.activeKeys()).as("seed " + seed).isZero();
    }

    @Test
    void keyedMutex_platformThreads_exclusionExactCountsNoLeak() throws Exception {
        keyedMutexExclusion(8, false, 4_000 * SCALE);
    }

    @Test
    void keyedMutex_virtualThreads_exclusionExactCountsNoLeak() throws Exception {
        keyedMutexExclusion(200, true, 200 * SCALE);
    }

    @Test
    void keyedMutex_concurrentReleasesCancelsAndTimeouts_grantsStayFifo() throws Exception {
        KeyedMutex<String> m = guard.newKeyedMutex("fifo-stress");
        for (int round = 0; round < 20 * SCALE; round++) {
            SplittableRandom r = new SplittableRandom(seed + round);
            Permit<String> first = m.tryAcquire("k").orElseThrow();
            int n = 200;
            List<CompletableFuture<Permit<String>>> waiters = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                waiters.add(r.nextInt(5) == 0
                        ? m.acquire("k", Duration.ofNanos(r.nextInt(200_000))).toCompletableFuture()
                        : m.acquire("k").toCompletableFuture());
            }
            AtomicInteger lastGranted = new AtomicInteger(-1);
            List<Integer> order = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int i = 0; i < n; i++) {
                int index = i;
                waiters.get(i).thenAccept(p -> {
                    order.add(index);
                    // release from whichever thread granted us, or hand over to a virtual thread
                    if ((index & 1) == 0) {
                        p.release();
                    } else {
                        Thread.ofVirtual().start(p::release);
                    }
                });
            }
            List<Thread> cancellers = start(2, false, id -> () -> {
                SplittableRandom cr = new SplittableRandom(seed + 1000 + id);
                for (int i = 0; i < 40; i++) {
                    waiters.get(cr.nextInt(n)).cancel(false);
                }
            });
            first.release();
            joinAll(cancellers);
            for (CompletableFuture<Permit<String>> w : waiters) {
                w.handle((v, e) -> v).get(30, TimeUnit.SECONDS);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (m.activeKeys() != 0 && System.nanoTime() < deadline) {
                Thread.yield();
            }
            assertThat(m.activeKeys()).as("seed " + seed).isZero();
            synchronized (order) {
                for (int i = 1; i < order.size(); i++) {
                    assertThat(order.get(i)).as("FIFO grants, seed " + seed).isGreaterThan(order.get(i - 1));
                }
            }
            assertThat(lastGranted.get()).isEqualTo(-1);
        }
    }

    // -------------------------------------------------------------------------------------------------------------

    private void laneStress(boolean virtual) throws Exception {
        OperationQueue q = guard.newOperationQueue("stress-lane", 1_000_000);
        int producers = virtual ? 64 : 8;
        int perProducer = (virtual ? 500 : 4_000) * SCALE;
        AtomicInteger inside = new AtomicInteger();
        int[] lastSeen = new int[producers];
        java.util.Arrays.fill(lastSeen, -1);
        AtomicInteger ran = new AtomicInteger();
        List<CompletionStage<?>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = start(producers, virtual, id -> () -> {
            SplittableRandom r = new SplittableRandom(seed + id);
            for (int i = 0; i < perProducer; i++) {
                int n = i;
                Runnable body = () -> {
                    if (inside.incrementAndGet() != 1) {
                        fail(new AssertionError("two operations of one lane at once"));
                    }
                    if (lastSeen[id] >= n) { // plain array: the lane orders these accesses
                        fail(new AssertionError("producer " + id + ": op " + n + " after " + lastSeen[id]));
                    }
                    lastSeen[id] = n;
                    ran.incrementAndGet();
                };
                CompletionStage<?> s = switch (r.nextInt(3)) {
                    case 0 -> q.run(() -> {
                        body.run();
                        inside.decrementAndGet();
                    });
                    case 1 -> q.submit(() -> {
                        body.run();
                        CompletableFuture<Void> later = new CompletableFuture<>();
                        Thread.ofVirtual().start(() -> {
                            inside.decrementAndGet();
                            later.complete(null);
                        });
                        return later;
                    });
                    default -> q.call(() -> {
                        body.run();
                        inside.decrementAndGet();
                        if (n % 7 == 0) {
                            throw new IllegalStateException("planned failure");
                        }
                        return n;
                    });
                };
                all.add(s);
            }
        });
        joinAll(ts);
        for (CompletionStage<?> s : new ArrayList<>(all)) {
            s.toCompletableFuture().handle((v, e) -> v).get(60, TimeUnit.SECONDS);
        }
        assertNoFailure();
        assertThat(ran.get()).as("exactly once, seed " + seed).isEqualTo(producers * perProducer);
        assertThat(q.pending()).isZero();
    }

    @Test
    void operationQueue_platformProducers_fifoPerProducerOneAtATimeExactlyOnce() throws Exception {
        laneStress(false);
    }

    @Test
    void operationQueue_virtualProducers_fifoPerProducerOneAtATimeExactlyOnce() throws Exception {
        laneStress(true);
    }

    @Test
    void keyedOperationQueue_manyKeys_perKeyExclusionAndNoLanesLeft() throws Exception {
        KeyedOperationQueue<Integer> q = guard.newKeyedOperationQueue("stress-keyed", 1_000_000);
        int keys = 32;
        AtomicIntegerArray inside = new AtomicIntegerArray(keys);
        AtomicInteger ran = new AtomicInteger();
        int producers = 16;
        int per = 2_000 * SCALE;
        List<CompletionStage<?>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = start(producers, true, id -> () -> {
            SplittableRandom r = new SplittableRandom(seed + id);
            for (int i = 0; i < per; i++) {
                int key = skewedKey(r, keys);
                all.add(q.run(key, () -> {
                    if (inside.incrementAndGet(key) != 1) {
                        fail(new AssertionError("two operations on lane " + key));
                    }
                    ran.incrementAndGet();
                    inside.decrementAndGet(key);
                }));
            }
        });
        joinAll(ts);
        for (CompletionStage<?> s : new ArrayList<>(all)) {
            s.toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        assertNoFailure();
        assertThat(ran.get()).isEqualTo(producers * per);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (q.activeLanes() != 0 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(q.activeLanes()).as("seed " + seed).isZero();
    }

    // -------------------------------------------------------------------------------------------------------------

    @Test
    void singleFlight_manyCallers_atMostOneExecutionPerKeyEveryoneServed() throws Exception {
        SingleFlight<Integer, Long> sf = guard.newSingleFlight("stress-sf");
        int keys = 4;
        AtomicIntegerArray running = new AtomicIntegerArray(keys);
        AtomicLong executions = new AtomicLong();
        List<CompletionStage<Long>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> ts = start(100, true, id -> () -> {
            SplittableRandom r = new SplittableRandom(seed + id);
            for (int i = 0; i < 100 * SCALE; i++) {
                int key = r.nextInt(keys);
                CompletionStage<Long> s = sf.execute(key, () -> {
                    if (running.incrementAndGet(key) != 1) {
                        fail(new AssertionError("two executions in flight for key " + key));
                    }
                    long id2 = executions.incrementAndGet();
                    CompletableFuture<Long> f = new CompletableFuture<>();
                    Thread.ofVirtual().start(() -> {
                        running.decrementAndGet(key);
                        if (id2 % 5 == 0) {
                            f.completeExceptionally(new IllegalStateException("planned"));
                        } else {
                            f.complete(id2);
                        }
                    });
                    return f;
                });
                if (r.nextInt(10) == 0) {
                    s.toCompletableFuture().cancel(false);
                } else {
                    all.add(s);
                }
            }
        });
        joinAll(ts);
        for (CompletionStage<Long> s : new ArrayList<>(all)) {
            s.toCompletableFuture().handle((v, e) -> v).get(60, TimeUnit.SECONDS);
        }
        assertNoFailure();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sf.inFlight() != 0 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(sf.inFlight()).isZero();
        assertThat(executions.get()).isLessThan(100L * 100 * SCALE);
    }

    @Test
    void tryLock_manyVirtualThreadsWithTimeouts_noneHoldsAfterTimeout() throws Exception {
        KeyedMutex<String> m = guard.newKeyedMutex("vt-timeouts");
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger granted = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        List<Thread> ts = start(300, true, id -> () -> {
            for (int i = 0; i < 20 * SCALE; i++) {
                try {
                    Optional<Permit<String>> p = m.tryLock("hot", Duration.ofNanos(50_000 + id * 100L));
                    if (p.isPresent()) {
                        if (inside.incrementAndGet() != 1) {
                            throw new AssertionError("two holders");
                        }
                        granted.incrementAndGet();
                        Thread.yield(); // let the others pile up and time out while we hold the key
                        inside.decrementAndGet();
                        p.get().release();
                    } else {
                        timedOut.incrementAndGet();
                    }
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        });
        joinAll(ts);
        assertNoFailure();
        assertThat(granted.get()).isPositive();
        System.out.println("tryLock stress: " + granted.get() + " granted, " + timedOut.get() + " timed out");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (m.activeKeys() != 0 && System.nanoTime() < deadline) {
            Thread.yield();
        }
        assertThat(m.activeKeys()).isZero();
    }
}
