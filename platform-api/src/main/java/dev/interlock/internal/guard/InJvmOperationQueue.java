package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.OperationQueue;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The in-JVM {@link OperationQueue}: one {@link Lane} that is never retired. */
final class InJvmOperationQueue implements OperationQueue, Lane.Host {

    private final String name;
    private final Scheduler scheduler;
    private final int capacity;
    private final Lane lane;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    InJvmOperationQueue(String name, Scheduler scheduler, int capacity) {
        this.name = name;
        this.scheduler = scheduler;
        this.capacity = capacity;
        this.lane = new Lane(this, null);
    }

    @Override
    public <T> CompletionStage<T> submit(Supplier<? extends CompletionStage<T>> operation) {
        return enqueue(Lane.supplierOp(operation));
    }

    @Override
    public <T> CompletionStage<T> call(Callable<T> operation) {
        return enqueue(Lane.callableOp(operation));
    }

    @Override
    public CompletionStage<Void> run(Runnable operation) {
        return enqueue(Lane.runnableOp(operation));
    }

    private <T> CompletionStage<T> enqueue(Lane.Op<T> op) {
        switch (lane.offer(op, false)) {
            case QUEUED -> {
                return op;
            }
            case FULL -> op.fail(lane.fullException());
            default -> op.fail(lane.closedException());
        }
        return op;
    }

    @Override
    public int pending() {
        return lane.pending();
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        lane.close();
    }

    @Override
    public CompletionStage<Void> terminated() {
        return terminated.copy();
    }

    @Override
    public String toString() {
        return "OperationQueue[" + name + ", pending=" + pending() + ", capacity=" + capacity + "]";
    }

    // Lane.Host

    @Override
    public String describe(Lane l) {
        return "operation queue '" + name + "'";
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public boolean retiresIdleLanes() {
        return false;
    }

    @Override
    public void idle(Lane l) {
        if (l.isClosed()) {
            terminated.complete(null);
        }
    }
}
