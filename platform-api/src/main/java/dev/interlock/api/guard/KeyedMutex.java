package dev.interlock.api.guard;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Mutual exclusion per key: at most one {@link Permit} per (equal) key is outstanding at any time; unequal keys
 * never contend with each other (no striping).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Fairness.</b> Waiters for one key are granted in the order they asked (FIFO).
 *   <li><b>No owner thread.</b> A permit may be released by any thread, so async code can acquire on one thread and
 *       release in a continuation on another. Blocking acquisition parks the caller without pinning a virtual
 *       thread's carrier.
 *   <li><b>Release.</b> {@link Permit#release()} (or {@code close()}) hands the key to the next waiter or frees it.
 *       Releasing a permit a second time throws {@link IllegalStateException} and changes nothing.
 *   <li><b>Memory.</b> A key that nobody holds or waits for costs no memory: the mutex keeps entries only for keys
 *       with a holder or a waiter, so locking and releasing a million distinct keys leaves {@link #activeKeys()} at 0.
 *   <li><b>Timeouts and cancellation.</b> A timed acquisition that expires fails with {@link GuardTimeoutException}
 *       and leaves the queue as if it never asked. Cancelling the stage returned by {@link #acquire} withdraws the
 *       waiter; if the permit was granted concurrently with the cancellation, it is released at once, so a
 *       cancelled caller never holds the key.
 *   <li><b>Memory effects.</b> Actions before {@code release()} happen-before actions after the next successful
 *       acquisition of the same key.
 *   <li><b>Not reentrant.</b> A holder asking for the same key again waits for itself forever.
 * </ul>
 *
 * @param <K> the key type; keys are compared with {@code equals}/{@code hashCode} and must be immutable
 */
public interface KeyedMutex<K> {

    /**
     * Asynchronously acquires the key. The stage completes with a permit when the key is granted to this caller.
     * Completion happens on the thread that released the previous permit, or on the calling thread if the key was
     * free.
     */
    CompletionStage<Permit<K>> acquire(K key);

    /**
     * Like {@link #acquire(Object)} but fails with {@link GuardTimeoutException} if the key is not granted within
     * {@code timeout}, measured on the guard's scheduler.
     */
    CompletionStage<Permit<K>> acquire(K key, Duration timeout);

    /** Acquires the key only if it is free right now. Never waits. */
    Optional<Permit<K>> tryAcquire(K key);

    /**
     * Blocks until the key is granted. Safe on virtual threads (parks without pinning).
     *
     * @throws InterruptedException if interrupted while waiting; the caller then holds nothing
     */
    Permit<K> lock(K key) throws InterruptedException;

    /**
     * Blocks until the key is granted or {@code timeout} passes, measured on the guard's scheduler (its timer
     * wakes the caller). A zero or negative timeout never waits.
     *
     * @return the permit, or empty if the timeout expired (the caller then holds nothing)
     * @throws InterruptedException if interrupted while waiting; the caller then holds nothing
     */
    Optional<Permit<K>> tryLock(K key, Duration timeout) throws InterruptedException;

    /**
     * Runs {@code action} while holding the key, and releases the key when the stage it returns completes (normally,
     * exceptionally, or if {@code action} throws). The action is invoked on the guard's scheduler once the key is
     * granted; the key is released before the returned stage completes. Cancelling the returned stage before the
     * action starts withdraws the request: the action is never invoked.
     *
     * @return a stage with the action's outcome
     */
    <T> CompletionStage<T> withLock(K key, Supplier<? extends CompletionStage<T>> action);

    /** Whether the key is held right now. An estimate: see the package rules. */
    boolean isLocked(K key);

    /** How many keys have a holder or a waiter right now. An estimate for monitoring and tests. */
    int activeKeys();

    /**
     * The right to the key, granted by a {@link KeyedMutex}. Releasable once, from any thread.
     *
     * @param <K> the key type
     */
    interface Permit<K> extends AutoCloseable {
        /** The key this permit holds. */
        K key();

        /**
         * Releases the key.
         *
         * @throws IllegalStateException if this permit was already released; nothing else changes
         */
        void release();

        /** Same as {@link #release()}, for try-with-resources. */
        @Override
        default void close() {
            release();
        }
    }
}
