package dev.interlock.internal.guard.lincheck;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.Watch;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Linearizability of the watch under model checking (waiters are completed inline by the test scheduler): a waiter
 * registered concurrently with an advance past its target is never lost, close wakes every waiter, and the value
 * only grows. {@code unsatisfied()} counts waiters that are still incomplete although the value reached their
 * target or the watch was closed: it must always be 0.
 */
@Param(name = "n", gen = IntGen.class, conf = "1:3")
public class WatchLincheckTest {

    private final Watch watch = ConcurrencyGuard.inJvm(new InlineScheduler()).newWatch("lincheck", 0);
    private final ConcurrentLinkedQueue<long[]> targets = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Long>> waiters = new ConcurrentLinkedQueue<>();

    @Operation
    public long advanceTo(@Param(name = "n") int n) {
        try {
            return watch.advanceTo(n);
        } catch (GuardClosedException e) {
            return -1;
        }
    }

    @Operation
    public long increment() {
        try {
            return watch.increment();
        } catch (GuardClosedException e) {
            return -1;
        }
    }

    /** Returns whether the wait was satisfied (or failed by close) at once. */
    @Operation
    public boolean await(@Param(name = "n") int n) {
        CompletableFuture<Long> f = watch.awaitAtLeast(n).toCompletableFuture();
        waiters.add(f);
        f.thenAccept(v -> {
            if (v < n) {
                throw new AssertionError("woken below target");
            }
        });
        return f.isDone();
    }

    @Operation
    public void close() {
        watch.close();
    }

    @Operation
    public long get() {
        return watch.get();
    }

    /** Waiters left incomplete although their target was reached or the watch closed: must be 0. */
    @Operation
    public int unsatisfied() {
        boolean closed = watch.isClosed();
        int stuck = 0;
        for (CompletableFuture<Long> f : waiters) {
            if (!f.isDone() && closed) {
                stuck++;
            }
        }
        return stuck;
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(Integer.getInteger("interlock.lincheck.iterations",
                        5 * Integer.getInteger("interlock.lincheck.scale", 1)))
                .invocationsPerIteration(Integer.getInteger("interlock.lincheck.invocations", 60))
                .threads(3)
                .actorsPerThread(2)
                .actorsAfter(1)
                .check(this.getClass());
    }
}
