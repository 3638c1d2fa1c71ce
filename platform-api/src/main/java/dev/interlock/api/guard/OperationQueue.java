package dev.interlock.api.guard;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A serial lane: operations run one at a time, in the order they were submitted, and the next starts only after
 * the previous operation's {@link CompletionStage} has completed. This is the fix for "async handler re-entered
 * before the previous one finished" (seed 000's processBuffer, seed 002's WASM client, seed 003's flush).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>FIFO, one at a time.</b> Operations start in submission order (for submissions ordered by
 *       happens-before); an operation's supplier is invoked only after the stage returned by the previous
 *       operation's supplier has completed, normally or exceptionally.
 *   <li><b>Where it runs.</b> Suppliers are invoked on the guard's scheduler, never on the submitting thread's stack.
 *       An implementation may run several operations in one scheduler task when each completes synchronously.
 *   <li><b>Failure does not poison.</b> If an operation throws or its stage fails, its caller's stage fails with
 *       that exception and the lane goes on with the next operation.
 *   <li><b>Capacity.</b> At most {@code capacity} operations wait (the running one not counted). A submission beyond
 *       that is not queued: its stage fails at once with {@link QueueFullException}, naming the lane and the limit.
 *   <li><b>Cancellation.</b> Cancelling the stage returned by {@code submit} before the operation starts removes it
 *       from the lane (its supplier is never invoked); once started, the operation runs to completion and the lane
 *       still waits for it.
 *   <li><b>Close.</b> {@link #close()} rejects new submissions with {@link GuardClosedException}, fails every
 *       operation that has not started with {@link GuardClosedException}, and lets the running operation finish;
 *       {@link #terminated()} completes after it has.
 *   <li><b>Memory effects.</b> Actions of an operation, including those that complete its stage, happen-before the
 *       next operation starts.
 * </ul>
 */
public interface OperationQueue extends AutoCloseable {

    /** Queues an asynchronous operation; see the class documentation for when it runs. */
    <T> CompletionStage<T> submit(Supplier<? extends CompletionStage<T>> operation);

    /** Queues a synchronous operation; the lane is busy until it returns or throws. */
    <T> CompletionStage<T> call(Callable<T> operation);

    /** Queues a synchronous action; the lane is busy until it returns or throws. */
    CompletionStage<Void> run(Runnable operation);

    /** Operations waiting right now (the running one not counted). An estimate. */
    int pending();

    /** The capacity this lane was created with. */
    int capacity();

    /** The lane's name, as given to {@link ConcurrencyGuard#newOperationQueue}. */
    String name();

    /** Closes the lane; idempotent. See the class documentation for what happens to pending work. */
    @Override
    void close();

    /** Completes once the lane is closed and the operation that was running (if any) has completed. */
    CompletionStage<Void> terminated();
}
