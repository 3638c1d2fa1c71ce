package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.KeyedOperationQueue;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The in-JVM {@link KeyedOperationQueue}: a {@link ConcurrentHashMap} of {@link Lane}s that exist only while they
 * have work.
 *
 * <h2>Design</h2>
 * <pre>
 * A lane is created by the first submission for its key (putIfAbsent) and retires itself, under its own lock, the
 * moment its drain finds it empty; it then leaves the map (remove(key, lane)). A submitter that finds a retired
 * lane removes it from the map itself (so it never spins on a lane that is about to go) and retries with a new
 * one, so a submission is never lost between "lane emptied" and "lane removed".
 *
 * close(): 'closed' is set first (volatile), then every lane present is closed. A submission that raced with it
 * either linked its op before its lane was closed (then the close fails it) or sees 'closed' under the lane lock.
 * terminated() completes when closed and the map is empty; the last lane to retire, or close() itself, checks.
 * </pre>
 */
final class InJvmKeyedOperationQueue<K> implements KeyedOperationQueue<K>, Lane.Host {

    private final String name;
    private final Scheduler scheduler;
    private final int capacityPerKey;
    private final ConcurrentHashMap<K, Lane> lanes = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private volatile boolean closed;

    InJvmKeyedOperationQueue(String name, Scheduler scheduler, int capacityPerKey) {
        this.name = name;
        this.scheduler = scheduler;
        this.capacityPerKey = capacityPerKey;
    }

    @Override
    public <T> CompletionStage<T> submit(K key, Supplier<? extends CompletionStage<T>> operation) {
        Guards.requireNonNull(key, "key");
        return enqueue(key, Lane.supplierOp(operation));
    }

    @Override
    public <T> CompletionStage<T> call(K key, Callable<T> operation) {
        Guards.requireNonNull(key, "key");
        return enqueue(key, Lane.callableOp(operation));
    }

    @Override
    public CompletionStage<Void> run(K key, Runnable operation) {
        Guards.requireNonNull(key, "key");
        return enqueue(key, Lane.runnableOp(operation));
    }

    private <T> CompletionStage<T> enqueue(K key, Lane.Op<T> op) {
        Lane lane = lanes.get(key);
        while (true) {
            if (lane == null) {
                if (closed) {
                    op.fail(new Lane(this, key).closedException());
                    return op;
                }
                Lane fresh = new Lane(this, key);
                lane = lanes.putIfAbsent(key, fresh);
                if (lane == null) {
                    lane = fresh;
                }
            }
            switch (lane.offer(op, closed)) {
                case QUEUED -> {
                    if (closed) {
                        lane.close(); // raced with close(): make sure this lane is closed too (idempotent)
                    }
                    return op;
                }
                case FULL -> {
                    op.fail(lane.fullException());
                    return op;
                }
                case CLOSED -> {
                    op.fail(lane.closedException());
                    // A lane created just for this submission must not linger.
                    lane.close();
                    return op;
                }
                case RETIRED -> {
                    lanes.remove(key, lane);
                    lane = lanes.get(key);
                }
            }
        }
    }

    @Override
    public int activeLanes() {
        return lanes.size();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Lane lane : lanes.values()) {
            lane.close();
        }
        checkTerminated();
    }

    @Override
    public CompletionStage<Void> terminated() {
        return terminated.copy();
    }

    @Override
    public String toString() {
        return "KeyedOperationQueue[" + name + ", activeLanes=" + activeLanes() + "]";
    }

    private void checkTerminated() {
        if (closed && lanes.isEmpty()) {
            terminated.complete(null);
        }
    }

    // Lane.Host

    @Override
    public String describe(Lane lane) {
        return "keyed operation queue '" + name + "', lane " + Guards.render(lane.key);
    }

    @Override
    public int capacity() {
        return capacityPerKey;
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public boolean retiresIdleLanes() {
        return true;
    }

    @Override
    public void idle(Lane lane) {
        lanes.remove(lane.key, lane);
        checkTerminated();
    }
}
