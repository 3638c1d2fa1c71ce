package dev.interlock.api.guard;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One serial lane per key: operations on one key follow every {@link OperationQueue} guarantee (FIFO, one at a
 * time, no poisoning, capacity per key, cancellation); operations on different keys run independently and
 * concurrently.
 *
 * <p><b>Memory.</b> A key with no running or waiting operation costs no memory: its lane is created on the first
 * submission and removed when it empties, so {@link #activeLanes()} returns to 0 when all work is done.
 *
 * <p><b>Close.</b> {@link #close()} applies {@link OperationQueue#close()} to every lane: new submissions fail with
 * {@link GuardClosedException}, waiting operations fail with it, running ones finish; {@link #terminated()}
 * completes when they have.
 *
 * @param <K> the key type
 */
public interface KeyedOperationQueue<K> extends AutoCloseable {

    /** Queues an asynchronous operation on {@code key}'s lane. */
    <T> CompletionStage<T> submit(K key, Supplier<? extends CompletionStage<T>> operation);

    /** Queues a synchronous operation on {@code key}'s lane. */
    <T> CompletionStage<T> call(K key, Callable<T> operation);

    /** Queues a synchronous action on {@code key}'s lane. */
    CompletionStage<Void> run(K key, Runnable operation);

    /** Lanes with running or waiting work right now. An estimate. */
    int activeLanes();

    /** Closes every lane; idempotent. */
    @Override
    void close();

    /** Completes once closed and every running operation has completed. */
    CompletionStage<Void> terminated();
}
