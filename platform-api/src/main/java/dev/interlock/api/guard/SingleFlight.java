package dev.interlock.api.guard;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * At most one execution of some work per key in flight; every caller that arrives while it runs shares its outcome.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>One execution.</b> For a key with no execution in flight (and no cached success), {@code work} of the first
 *       caller is invoked exactly once, <em>on the first caller's thread</em>, inside {@code execute}; the
 *       {@code work} of callers that join is never invoked. {@code work} must only start the execution and return
 *       its stage: it must not block, because callers arriving meanwhile wait for it and the first caller's thread is
 *       held. If {@code work} throws, returns {@code null} or returns a stage that fails, every joined caller gets
 *       that failure.
 *   <li><b>Per-caller stages.</b> Each caller gets its own stage. Cancelling it, or its timeout expiring, completes
 *       only that caller's stage ({@link java.util.concurrent.CancellationException} or
 *       {@link GuardTimeoutException}); the execution goes on for the others and is never cancelled by a caller.
 *   <li><b>No failure caching.</b> When the execution fails, the key is free at once: the next call starts a new
 *       execution.
 *   <li><b>Success caching (optional).</b> With a success TTL, a successful result is returned to callers for that
 *       long after it completed, measured on the guard's scheduler; without one, the key is free as soon as the
 *       execution completes. A {@code null} result is handed to the callers but never cached.
 *   <li><b>Forget.</b> {@link #forget(Object)} detaches the key's current execution or cached value: the next call
 *       starts a new execution, while callers already waiting still get the old one's outcome.
 *   <li><b>Memory effects.</b> Actions of the execution happen-before each caller's stage completes.
 *   <li><b>Not reentrant.</b> A call to {@code execute} on the same key from inside that key's {@code work}, while
 *       the supplier runs (directly, or through other keys' work on the same thread), neither joins nor starts an
 *       execution: its stage fails at once with {@link IllegalStateException}, and the execution in progress is not
 *       affected. Once the supplier has returned, a call on the key joins the execution like any other, so a stage
 *       of the work that waits for its own key never completes.
 *   <li><b>Released on withdrawal.</b> A caller whose stage is cancelled, times out or is completed by the caller
 *       stops being referenced by the execution at once: an execution that never completes retains only the callers
 *       still waiting.
 * </ul>
 *
 * @param <K> the key type
 * @param <V> the result type
 */
public interface SingleFlight<K, V> {

    /** Joins the key's execution in flight, or starts one with {@code work}. */
    CompletionStage<V> execute(K key, Supplier<? extends CompletionStage<? extends V>> work);

    /**
     * Like {@link #execute(Object, Supplier)}, but this caller stops waiting after {@code timeout} with
     * {@link GuardTimeoutException}; the execution continues for everyone else.
     */
    CompletionStage<V> execute(K key, Duration timeout, Supplier<? extends CompletionStage<? extends V>> work);

    /** Detaches the key's execution in flight or cached value; see the class documentation. */
    void forget(K key);

    /** Executions in flight right now. An estimate for monitoring and tests. */
    int inFlight();
}
