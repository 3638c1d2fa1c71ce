package dev.interlock.api.guard;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * A monotonic value (a version, an epoch, a count) that callers can wait on. Because the value only grows, a waiter
 * that arrives after the value already passed its target still succeeds at once: there is no "listener registered
 * after the event" (seed 001, fix #1).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Monotonic.</b> {@link #get()} never decreases; {@link #advanceTo(long)} with a smaller value changes
 *       nothing.
 *   <li><b>No lost wake-up.</b> A stage from {@link #awaitAtLeast(long)} completes with a value {@code >= n} as soon
 *       as the value reaches {@code n}, whether that happened before or after the call.
 *   <li><b>Everyone is woken.</b> {@link #close()} fails every pending waiter, and every later
 *       {@code awaitAtLeast} whose target was not reached, with {@link GuardClosedException}; advancing a closed
 *       watch throws it. A target already reached still succeeds after close.
 *   <li><b>Timeouts.</b> A timed wait that expires fails with {@link GuardTimeoutException} naming the target and the
 *       value reached; it affects no other waiter.
 *   <li><b>Threads.</b> Waiters are completed on the guard's scheduler, never on the advancing thread's stack.
 *   <li><b>Memory effects.</b> Actions before an advance to {@code v} happen-before the completion of waiters that
 *       observe {@code v}.
 * </ul>
 */
public interface Watch extends AutoCloseable {

    /** The watch's name, as given to {@link ConcurrencyGuard#newWatch}. */
    String name();

    /** The current value. */
    long get();

    /**
     * Raises the value to {@code value} if it is larger, and wakes the waiters it satisfies.
     *
     * @return the value after the call
     * @throws GuardClosedException if the watch is closed
     */
    long advanceTo(long value);

    /**
     * Adds one to the value.
     *
     * @return the new value
     * @throws GuardClosedException if the watch is closed
     */
    long increment();

    /** Completes with the value once it is at least {@code n}. */
    CompletionStage<Long> awaitAtLeast(long n);

    /** Like {@link #awaitAtLeast(long)}, failing with {@link GuardTimeoutException} after {@code timeout}. */
    CompletionStage<Long> awaitAtLeast(long n, Duration timeout);

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Closes the watch and fails its pending waiters; idempotent. */
    @Override
    void close();
}
