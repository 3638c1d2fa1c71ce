package dev.interlock.benchmarks.guard;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Baseline: the well-built hand-rolled serial lane — a ConcurrentLinkedQueue drained by one task at a time, guarded
 * by an AtomicBoolean. It runs synchronous tasks only: it cannot wait for an asynchronous operation's stage, which is
 * what {@code OperationQueue} adds.
 */
final class DrainLane implements Executor {

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final Executor executor;
    private final Runnable drain = this::drain;

    DrainLane(Executor executor) {
        this.executor = executor;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(task);
        if (draining.compareAndSet(false, true)) {
            executor.execute(drain);
        }
    }

    private void drain() {
        while (true) {
            Runnable task;
            while ((task = queue.poll()) != null) {
                task.run();
            }
            draining.set(false);
            if (queue.isEmpty() || !draining.compareAndSet(false, true)) {
                return;
            }
        }
    }
}
