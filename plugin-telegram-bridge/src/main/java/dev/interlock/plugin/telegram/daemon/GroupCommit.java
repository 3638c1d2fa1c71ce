package dev.interlock.plugin.telegram.daemon;

import dev.interlock.plugin.telegram.store.BridgeStore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Group commit for accepted messages: concurrent connections enqueue, and one of them (the leader) commits
 * everything queued in one transaction, up to {@value #MAX_BATCH} messages at a time.
 *
 * <p><b>Order.</b> Messages are committed in queue order, which is the order in which the daemon received them.
 * <b>Accepted means persisted:</b> {@link #accept} returns only after the transaction holding the message committed.
 * <b>Progress.</b> The caller that finds no leader becomes the leader and commits on its own thread (so a
 * single-threaded deterministic scheduler never blocks); a leader re-checks the queue after stepping down, so a
 * message enqueued during the hand-over is never stranded. Followers block on their own result only (virtual
 * threads in production).
 */
final class GroupCommit {

    /** Largest number of messages in one transaction. */
    static final int MAX_BATCH = 256;

    private record Pending(BridgeStore.AcceptRequest request, CompletableFuture<BridgeStore.Accepted> result) {
    }

    private final BridgeStore store;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean leader = new AtomicBoolean();

    GroupCommit(BridgeStore store) {
        this.store = store;
    }

    /** Persists the message; returns once committed, or throws the store's exception. */
    BridgeStore.Accepted accept(BridgeStore.AcceptRequest request) {
        Pending p = new Pending(request, new CompletableFuture<>());
        queue.add(p);
        do {
            if (!leader.compareAndSet(false, true)) {
                break;
            }
            try {
                drain();
            } finally {
                leader.set(false);
            }
        } while (!queue.isEmpty());
        try {
            return p.result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the message was being committed", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    private void drain() {
        while (true) {
            List<Pending> batch = new ArrayList<>();
            Pending next;
            while (batch.size() < MAX_BATCH && (next = queue.poll()) != null) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                return;
            }
            try {
                List<BridgeStore.Accepted> results = store.acceptAll(
                        batch.stream().map(Pending::request).toList());
                for (int i = 0; i < batch.size(); i++) {
                    batch.get(i).result.complete(results.get(i));
                }
            } catch (RuntimeException e) {
                batch.forEach(b -> b.result.completeExceptionally(e));
            }
        }
    }
}
