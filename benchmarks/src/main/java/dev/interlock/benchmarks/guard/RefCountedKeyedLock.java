package dev.interlock.benchmarks.guard;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Baseline: the Elasticsearch {@code KeyedLock} design — a map of key to a lock with a reference count; acquire
 * increments by CAS only while the count is positive (0 means the entry is being retired: retry), release decrements
 * and removes the entry at 0. Exact per-key locks, no leak; one entry allocation per idle-key acquisition.
 *
 * <p>The retry on a retiring entry yields: Elasticsearch's original spins, and on virtual threads (8 of them on 2
 * carriers) a spinning acquirer can occupy every carrier while the releaser that would remove the entry waits for one
 * to get back onto a carrier (its {@code remove} waits on the map bin's monitor) — the benchmark hung that way.
 */
final class RefCountedKeyedLock<K> {

    private final ConcurrentHashMap<K, Entry> map = new ConcurrentHashMap<>();

    /** A held lock; release it exactly once. */
    interface Releasable {
        void release();
    }

    private static final class Entry extends ReentrantLock {
        private static final long serialVersionUID = 1L;
        final AtomicInteger count = new AtomicInteger(1);
    }

    Releasable acquire(K key) {
        while (true) {
            Entry existing = map.get(key);
            if (existing == null) {
                Entry created = new Entry();
                created.lock();
                existing = map.putIfAbsent(key, created);
                if (existing == null) {
                    return () -> release(key, created);
                }
                created.unlock();
            }
            int c = existing.count.get();
            if (c > 0 && existing.count.compareAndSet(c, c + 1)) {
                existing.lock();
                Entry held = existing;
                return () -> release(key, held);
            }
            if (c == 0) {
                Thread.yield(); // being retired: let the releaser finish removing it
            }
        }
    }

    private void release(K key, Entry entry) {
        entry.unlock();
        if (entry.count.decrementAndGet() == 0) {
            map.remove(key, entry);
        }
    }
}
