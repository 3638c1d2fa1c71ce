package dev.interlock.internal.guard.lincheck;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.SingleFlight;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Single-flight under model checking: callers join or start executions whose stages are parked until
 * {@code complete}/{@code fail}; {@code forget} detaches. Each work asserts that no other execution of its key is
 * unfinished unless a forget allowed it (one execution in flight per key). After every explored interleaving the
 * validation finishes what is parked and checks that every caller got an outcome, that a caller that cancelled
 * never cancelled the shared execution, and that no flight is left registered.
 */
@Param(name = "key", gen = IntGen.class, conf = "1:2")
public class SingleFlightLincheckTest {

    private final SingleFlight<Integer, Integer> flight =
            ConcurrencyGuard.inJvm(new InlineScheduler()).newSingleFlight("lincheck");
    private final ConcurrentLinkedQueue<CompletableFuture<Integer>> parked = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Integer>> callers = new ConcurrentLinkedQueue<>();
    private final AtomicIntegerArray unfinished = new AtomicIntegerArray(3);
    private final AtomicIntegerArray forgets = new AtomicIntegerArray(3);

    private CompletableFuture<Integer> call(int key) {
        return flight.execute(key, () -> {
            if (unfinished.incrementAndGet(key) > 1 + forgets.get(key)) {
                throw new AssertionError("two executions in flight for key " + key + " without forget");
            }
            CompletableFuture<Integer> f = new CompletableFuture<>();
            f.whenComplete((v, e) -> unfinished.decrementAndGet(key));
            parked.add(f);
            return f;
        }).toCompletableFuture();
    }

    @Operation
    public void execute(@Param(name = "key") int key) {
        callers.add(call(key));
    }

    @Operation
    public void executeThenCancel(@Param(name = "key") int key) {
        call(key).cancel(false);
    }

    @Operation
    public void complete() {
        CompletableFuture<Integer> f = parked.poll();
        if (f != null) {
            f.complete(1);
        }
    }

    @Operation
    public void fail() {
        CompletableFuture<Integer> f = parked.poll();
        if (f != null) {
            f.completeExceptionally(new IllegalStateException("planned"));
        }
    }

    @Operation
    public void forget(@Param(name = "key") int key) {
        forgets.incrementAndGet(key);
        flight.forget(key);
    }

    @Validate
    public void validate() {
        for (CompletableFuture<Integer> f : parked) {
            if (f.isCancelled()) {
                throw new AssertionError("a caller's cancel cancelled the shared execution");
            }
        }
        CompletableFuture<Integer> f;
        while ((f = parked.poll()) != null) {
            f.complete(2);
        }
        for (CompletableFuture<Integer> c : callers) {
            if (!c.isDone()) {
                throw new AssertionError("a caller never got an outcome");
            }
        }
        if (flight.inFlight() != 0) {
            throw new AssertionError(flight.inFlight() + " flights left registered");
        }
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(Integer.getInteger("interlock.lincheck.iterations",
                        5 * Integer.getInteger("interlock.lincheck.scale", 1)))
                .invocationsPerIteration(Integer.getInteger("interlock.lincheck.invocations", 60))
                .threads(3)
                .actorsPerThread(3)
                .check(this.getClass());
    }
}
