package dev.interlock.internal.guard.lincheck;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedOperationQueue;
import dev.interlock.api.guard.OperationQueue;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Exclusion, FIFO and exactly-once of a serial lane and of keyed lanes under model checking. Operations are
 * synchronous or asynchronous (their stage is parked until {@code completeOne}); each operation asserts that no
 * other operation of its lane is running, and records itself. After every explored interleaving the validation
 * completes what is parked and checks: every submitted operation ran exactly once, each thread's operations on a
 * lane ran in its submission order, every caller's stage completed, and no keyed lane is left behind.
 */
@Param(name = "tid", gen = ThreadIdGen.class)
@Param(name = "key", gen = IntGen.class, conf = "1:2")
public class OperationQueueLincheckTest {

    private final ConcurrencyGuard guard = ConcurrencyGuard.inJvm(new InlineScheduler());
    private final OperationQueue lane = guard.newOperationQueue("lincheck", 100);
    private final KeyedOperationQueue<Integer> keyed = guard.newKeyedOperationQueue("lincheck-keyed", 100);
    /** Per lane (0 = serial lane, 1..2 = keyed lanes): operations running right now. */
    private final AtomicInteger[] running = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    /** Per lane: tid * 1000 + n, in the order the operations ran (n = the thread's submission number). */
    private final List<List<Integer>> ran = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    private final ConcurrentLinkedQueue<Runnable> parked = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletionStage<?>> callers = new ConcurrentLinkedQueue<>();
    private final int[] submitted = new int[16];

    private Runnable body(int laneIndex, int tid) {
        Integer tag = tid * 1000 + (submitted[tid]++);
        return () -> {
            if (running[laneIndex].incrementAndGet() != 1) {
                throw new AssertionError("two operations of one lane at once");
            }
            List<Integer> log = ran.get(laneIndex);
            synchronized (log) {
                log.add(tag);
            }
        };
    }

    @Operation
    public void run(@Param(name = "tid") int tid) {
        Runnable b = body(0, tid);
        callers.add(lane.run(() -> {
            b.run();
            running[0].decrementAndGet();
        }));
    }

    @Operation
    public void submitAsync(@Param(name = "tid") int tid) {
        Runnable b = body(0, tid);
        callers.add(lane.submit(() -> {
            b.run();
            CompletableFuture<Void> f = new CompletableFuture<>();
            parked.add(() -> {
                running[0].decrementAndGet();
                f.complete(null);
            });
            return f;
        }));
    }

    @Operation
    public void runKeyed(@Param(name = "tid") int tid, @Param(name = "key") int key) {
        Runnable b = body(key, tid);
        callers.add(keyed.submit(key, () -> {
            b.run();
            CompletableFuture<Void> f = new CompletableFuture<>();
            parked.add(() -> {
                running[key].decrementAndGet();
                f.complete(null);
            });
            return f;
        }));
    }

    @Operation
    public void completeOne() {
        Runnable r = parked.poll();
        if (r != null) {
            r.run();
        }
    }

    @Validate
    public void validate() {
        Runnable r;
        while ((r = parked.poll()) != null) {
            r.run();
        }
        for (CompletionStage<?> c : callers) {
            if (!c.toCompletableFuture().isDone()) {
                throw new AssertionError("a caller's stage never completed");
            }
        }
        int total = 0;
        for (int l = 0; l < 3; l++) {
            List<Integer> log = ran.get(l);
            total += log.size();
            int[] last = new int[16];
            java.util.Arrays.fill(last, -1);
            for (int tag : log) {
                int tid = tag / 1000;
                int n = tag % 1000;
                if (n <= last[tid]) {
                    throw new AssertionError("lane " + l + " ran op " + n + " of thread " + tid + " after op "
                            + last[tid] + ": not FIFO");
                }
                last[tid] = n;
            }
        }
        if (total != callers.size()) {
            throw new AssertionError(callers.size() + " operations submitted, " + total + " ran");
        }
        if (keyed.activeLanes() != 0) {
            throw new AssertionError(keyed.activeLanes() + " keyed lanes left behind");
        }
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(Integer.getInteger("interlock.lincheck.iterations",
                        3 * Integer.getInteger("interlock.lincheck.scale", 1)))
                .invocationsPerIteration(Integer.getInteger("interlock.lincheck.invocations", 30))
                .threads(3)
                .actorsPerThread(3)
                .check(this.getClass());
    }
}
