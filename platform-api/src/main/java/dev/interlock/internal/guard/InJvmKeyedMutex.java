package dev.interlock.internal.guard;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.KeyedMutex;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The in-JVM {@link KeyedMutex}.
 *
 * <h2>Design</h2>
 * <pre>
 * A key that is held has exactly one Node in a hash table; a key that is neither held nor waited for has none.
 * The table is split into a fixed number of segments (a power of two, at least 16), each with its own small
 * chained hash table and a short spin lock that guards only table and queue manipulation (a few dozen
 * nanoseconds, never user code, never a park). Unequal keys never share a Node, so exclusion is exact: two keys
 * in one segment only contend for the microseconds of bookkeeping, never for the time a key is held.
 *
 * Node fields: key, next (bucket chain), owner, waitTail, segment  (5 fields = 32 bytes with compressed oops).
 *
 *   owner == the Permit that currently holds the key:
 *            the Node itself for the caller that found the key free (the uncontended path allocates one object);
 *            a Waiter for a caller that was queued and then granted the key.
 *   owner == null  once the Node has been removed from the table (it is never reused).
 *
 * Release(permit): under the segment lock, if node.owner != permit the permit was already released (or never
 * granted) and release() throws IllegalStateException without changing anything. Otherwise the first waiter is
 * unlinked and becomes the owner, or the node is removed when no one waits. The waiter is then told outside the
 * lock (completing a future runs user callbacks; unparking a thread). If that waiter gave up at the same moment
 * (timeout, cancellation, interrupt), grant() fails and the releaser releases again on the waiter's behalf, so a
 * caller that gave up never holds the key and the key is never lost.
 *
 * Waiters form a circular doubly linked list per node (node.waitTail; head = tail.next): FIFO grants and O(1)
 * withdrawal of a waiter that timed out or was cancelled.
 *
 * Memory effects: every state change happens under the segment lock (CAS acquire / release store), and a grant
 * is published by a CompletableFuture completion or a volatile state write, so actions before release()
 * happen-before actions after the next acquisition.
 * </pre>
 */
final class InJvmKeyedMutex<K> implements KeyedMutex<K> {

    private final String name;
    private final Scheduler scheduler;
    private final Segment[] segments;
    private final int segmentShift;

    InJvmKeyedMutex(String name, Scheduler scheduler) {
        this.name = name;
        this.scheduler = scheduler;
        int wanted = Math.max(16, Runtime.getRuntime().availableProcessors() * 4);
        int count = Integer.highestOneBit(Math.min(wanted - 1, 1 << 12) << 1);
        this.segments = new Segment[count];
        for (int i = 0; i < count; i++) {
            segments[i] = new Segment(this);
        }
        this.segmentShift = 32 - Integer.numberOfTrailingZeros(count);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Public API

    @Override
    public CompletionStage<Permit<K>> acquire(K key) {
        return acquireAsync(key, null);
    }

    @Override
    public CompletionStage<Permit<K>> acquire(K key, Duration timeout) {
        return acquireAsync(key, Guards.requireTimeout(timeout));
    }

    @Override
    public Optional<Permit<K>> tryAcquire(K key) {
        Guards.requireNonNull(key, "key");
        int h = mix(key.hashCode());
        Segment s = segmentFor(h);
        s.lock();
        Node<K> n = s.find(key, h);
        if (n == null) {
            n = new Node<>(key, s);
            s.insert(n, h);
            s.unlock();
            return Optional.of(n);
        }
        s.unlock();
        return Optional.empty();
    }

    @Override
    public Permit<K> lock(K key) throws InterruptedException {
        Guards.requireNonNull(key, "key");
        int h = mix(key.hashCode());
        Segment s = segmentFor(h);
        s.lock();
        Node<K> n = s.find(key, h);
        if (n == null) {
            n = new Node<>(key, s);
            s.insert(n, h);
            s.unlock();
            return n;
        }
        BlockingWaiter<K> w = new BlockingWaiter<>(n, Thread.currentThread());
        n.enqueue(w);
        s.unlock();
        return awaitBlocking(w, null);
    }

    @Override
    public Optional<Permit<K>> tryLock(K key, Duration timeout) throws InterruptedException {
        Guards.requireNonNull(key, "key");
        Guards.requireTimeout(timeout);
        int h = mix(key.hashCode());
        Segment s = segmentFor(h);
        s.lock();
        Node<K> n = s.find(key, h);
        if (n == null) {
            n = new Node<>(key, s);
            s.insert(n, h);
            s.unlock();
            return Optional.of(n);
        }
        if (timeout.isZero() || timeout.isNegative()) {
            s.unlock();
            return Optional.empty();
        }
        BlockingWaiter<K> w = new BlockingWaiter<>(n, Thread.currentThread());
        n.enqueue(w);
        s.unlock();
        return Optional.ofNullable(awaitBlocking(w, timeout));
    }

    @Override
    public <T> CompletionStage<T> withLock(K key, Supplier<? extends CompletionStage<T>> action) {
        Guards.requireNonNull(key, "key");
        Guards.requireNonNull(action, "action");
        CompletableFuture<T> result = new CompletableFuture<>();
        CompletableFuture<Permit<K>> acquisition = acquireAsync(key, null).toCompletableFuture();
        acquisition.whenComplete((permit, failure) -> {
            if (failure != null) {
                result.completeExceptionally(Guards.unwrap(failure));
                return;
            }
            try {
                scheduler.execute(() -> runLocked(permit, action, result));
            } catch (RejectedExecutionException e) {
                permit.release();
                result.completeExceptionally(e);
            }
        });
        // A caller that cancels the result while still waiting withdraws its waiter.
        result.whenComplete((v, e) -> {
            if (result.isCancelled()) {
                acquisition.cancel(false);
            }
        });
        return result;
    }

    private static <K, T> void runLocked(Permit<K> permit, Supplier<? extends CompletionStage<T>> action,
                                         CompletableFuture<T> result) {
        if (result.isDone()) { // cancelled before the action could start
            permit.release();
            return;
        }
        CompletionStage<T> stage;
        try {
            stage = Guards.nonNullStage(action.get(), "withLock action");
        } catch (Throwable t) {
            permit.release();
            result.completeExceptionally(t);
            return;
        }
        stage.whenComplete((v, e) -> {
            permit.release();
            if (e != null) {
                result.completeExceptionally(Guards.unwrap(e));
            } else {
                result.complete(v);
            }
        });
    }

    @Override
    public boolean isLocked(K key) {
        Guards.requireNonNull(key, "key");
        int h = mix(key.hashCode());
        Segment s = segmentFor(h);
        s.lock();
        boolean held = s.find(key, h) != null;
        s.unlock();
        return held;
    }

    @Override
    public int activeKeys() {
        int sum = 0;
        for (Segment s : segments) {
            sum += s.countOpaque();
        }
        return sum;
    }

    /** Buckets allocated across all segments (test aid: tables shrink back after a burst). */
    int retainedBuckets() {
        int sum = 0;
        for (Segment s : segments) {
            s.lock();
            sum += s.table == null ? 0 : s.table.length;
            s.unlock();
        }
        return sum;
    }

    int segmentCount() {
        return segments.length;
    }

    @Override
    public String toString() {
        return "KeyedMutex[" + name + ", activeKeys=" + activeKeys() + "]";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Acquisition and release

    private CompletionStage<Permit<K>> acquireAsync(K key, Duration timeout) {
        Guards.requireNonNull(key, "key");
        int h = mix(key.hashCode());
        Segment s = segmentFor(h);
        s.lock();
        Node<K> n = s.find(key, h);
        if (n == null) {
            n = new Node<>(key, s);
            s.insert(n, h);
            s.unlock();
            return CompletableFuture.completedFuture(n);
        }
        AsyncWaiter<K> w = new AsyncWaiter<>(n);
        n.enqueue(w);
        s.unlock();
        if (timeout != null) {
            Cancellable timer = scheduler.schedule(() -> w.future.completeExceptionally(timeoutException(key, timeout)),
                    timeout);
            w.timer = timer;
            if (w.future.isDone()) {
                timer.cancel();
            }
        }
        return w.future;
    }

    /**
     * How many times a blocked platform thread checks for its grant before it parks: a few to a few tens of
     * microseconds of {@link Thread#onSpinWait()}, depending on the core's pause latency; 0 on a single core, where
     * spinning only delays the holder.
     */
    static final int SPINS_BEFORE_PARK = Runtime.getRuntime().availableProcessors() > 1 ? 1 << 9 : 0;

    private Permit<K> awaitBlocking(BlockingWaiter<K> w, Duration timeout) throws InterruptedException {
        Cancellable timer = null;
        if (timeout != null) {
            timer = scheduler.schedule(w::timeOut, timeout);
        }
        // Spin briefly before parking. Grants are FIFO hand-offs, so under contention every acquisition of a hot key
        // is a hand-off; if the waiter is parked each one costs an unpark and a context switch (microseconds), and the
        // releaser, coming straight back for the key, queues and parks behind it: a convoy (2 threads on skewed keys
        // measured 3.5 us/op before this spin, against 0.2 us for a barging lock). A key held for a short critical
        // section is usually handed over while the waiter spins. Virtual threads never spin: a spinning virtual thread
        // occupies a carrier that the holder may need in order to release.
        if (SPINS_BEFORE_PARK > 0 && !Thread.currentThread().isVirtual()) {
            for (int i = 0; i < SPINS_BEFORE_PARK && w.state() == BlockingWaiter.WAITING; i++) {
                Thread.onSpinWait();
            }
        }
        // A grant that lands during the spin is seen here and the grantor's unpark may arrive after we returned,
        // leaving a permit on this thread: a later park of this thread then returns at once. That is harmless: every
        // park below is followed by a re-check of the state (park may return spuriously anyway), so the loop only
        // ends on GRANTED, TIMED_OUT or an interrupt.
        while (true) {
            int state = w.state();
            if (state == BlockingWaiter.GRANTED) {
                if (timer != null) {
                    timer.cancel();
                }
                return w;
            }
            if (state == BlockingWaiter.TIMED_OUT) {
                return null; // the timer already withdrew the waiter
            }
            LockSupport.park(this);
            if (Thread.interrupted()) {
                if (timer != null) {
                    timer.cancel();
                }
                if (w.abandon()) {
                    withdraw(w);
                } else if (w.state() == BlockingWaiter.GRANTED) {
                    release(w.node, w); // granted at the same moment: hand it on, the caller holds nothing
                }
                throw new InterruptedException("interrupted while waiting for key " + Guards.render(w.node.key)
                        + " of keyed mutex '" + name + "'; the caller holds nothing");
            }
        }
    }

    /** Removes a waiter that gave up, if a releaser has not already unlinked it (then the releaser's grant fails). */
    void withdraw(Waiter<K> w) {
        Segment s = w.node.segment;
        s.lock();
        if (w.isLinked()) {
            w.node.unlink(w);
        }
        s.unlock();
    }

    /** Releases {@code permit}, the current owner of {@code n}; see the design note. */
    void release(Node<K> n, Object permit) {
        Segment s = n.segment;
        s.lock();
        if (n.owner != permit) {
            s.unlock();
            throw new IllegalStateException("keyed mutex '" + name + "': the permit for key " + Guards.render(n.key)
                    + " was already released; release() may be called once per permit");
        }
        Waiter<K> w = n.pollWaiter();
        if (w == null) {
            n.owner = null;
            s.remove(n, mix(n.key.hashCode()));
            s.unlock();
            return;
        }
        n.owner = w;
        s.unlock();
        while (!w.grant()) { // the waiter gave up concurrently: release on its behalf
            s.lock();
            w = n.pollWaiter();
            if (w == null) {
                n.owner = null;
                s.remove(n, mix(n.key.hashCode()));
                s.unlock();
                return;
            }
            n.owner = w;
            s.unlock();
        }
    }

    private GuardTimeoutException timeoutException(K key, Duration timeout) {
        return new GuardTimeoutException("keyed mutex '" + name + "': key " + Guards.render(key)
                + " was not granted within " + timeout + "; the caller holds nothing");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Hashing

    private static int mix(int h) {
        int m = h * 0x9E3779B9;
        return m ^ (m >>> 16);
    }

    private Segment segmentFor(int mixed) {
        return segments[(mixed * 0x85EBCA6B) >>> segmentShift];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Nodes and waiters

    /** The entry of a held key; also the permit of the caller that found the key free. */
    static final class Node<K> implements Permit<K> {
        final K key;
        final Segment segment;
        /** Next node in the bucket chain. Guarded by the segment lock. */
        Node<?> next;
        /** The permit holding the key, or null once removed. Guarded by the segment lock. */
        Object owner;
        /** Tail of the circular waiter list, or null. Guarded by the segment lock. */
        Waiter<K> waitTail;

        Node(K key, Segment segment) {
            this.key = key;
            this.segment = segment;
            this.owner = this;
        }

        @Override
        public K key() {
            return key;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void release() {
            ((InJvmKeyedMutex<K>) segment.mutex).release(this, this);
        }

        void enqueue(Waiter<K> w) {
            Waiter<K> tail = waitTail;
            if (tail == null) {
                w.next = w;
                w.prev = w;
            } else {
                Waiter<K> head = tail.next;
                w.prev = tail;
                w.next = head;
                tail.next = w;
                head.prev = w;
            }
            waitTail = w;
        }

        Waiter<K> pollWaiter() {
            Waiter<K> tail = waitTail;
            if (tail == null) {
                return null;
            }
            Waiter<K> head = tail.next;
            unlink(head);
            return head;
        }

        void unlink(Waiter<K> w) {
            if (w.next == w) {
                waitTail = null;
            } else {
                w.prev.next = w.next;
                w.next.prev = w.prev;
                if (waitTail == w) {
                    waitTail = w.prev;
                }
            }
            w.next = null;
            w.prev = null;
        }

        @Override
        public String toString() {
            return "Permit[" + Guards.render(key) + "]";
        }
    }

    /** A queued caller; once granted, it is that caller's permit. */
    abstract static class Waiter<K> implements Permit<K> {
        final Node<K> node;
        /** Links in the node's circular waiter list; null when not queued. Guarded by the segment lock. */
        Waiter<K> next;
        Waiter<K> prev;

        Waiter(Node<K> node) {
            this.node = node;
        }

        final boolean isLinked() {
            return next != null;
        }

        /** Tells the caller it holds the key; false if it gave up first (it must then be released for it). */
        abstract boolean grant();

        @Override
        public final K key() {
            return node.key;
        }

        @Override
        @SuppressWarnings("unchecked")
        public final void release() {
            ((InJvmKeyedMutex<K>) node.segment.mutex).release(node, this);
        }

        @Override
        public String toString() {
            return "Permit[" + Guards.render(node.key) + "]";
        }
    }

    /** A caller of {@code acquire}: granted by completing its future. */
    static final class AsyncWaiter<K> extends Waiter<K> {
        final WaiterFuture<K> future;
        volatile Cancellable timer;

        AsyncWaiter(Node<K> node) {
            super(node);
            this.future = new WaiterFuture<>(this);
        }

        @Override
        boolean grant() {
            if (future.grant(this)) {
                Cancellable t = timer;
                if (t != null) {
                    t.cancel();
                }
                return true;
            }
            return false;
        }

        @SuppressWarnings("unchecked")
        void gaveUp() {
            ((InJvmKeyedMutex<K>) node.segment.mutex).withdraw(this);
            Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }
    }

    /** The stage returned to an async caller: cancelling or failing it withdraws the waiter. */
    static final class WaiterFuture<K> extends CompletableFuture<Permit<K>> {
        private final AsyncWaiter<K> waiter;

        WaiterFuture(AsyncWaiter<K> waiter) {
            this.waiter = waiter;
        }

        boolean grant(Permit<K> permit) {
            return super.complete(permit);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                waiter.gaveUp();
            }
            return cancelled;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean failed = super.completeExceptionally(ex);
            if (failed) {
                waiter.gaveUp();
            }
            return failed;
        }

        @Override
        public boolean complete(Permit<K> value) {
            // Only the mutex may grant a permit: a caller completing the stage itself gives up its place instead.
            boolean done = super.complete(value);
            if (done) {
                waiter.gaveUp();
            }
            return done;
        }
    }

    /** A caller of {@code lock}/{@code tryLock}: granted by a state change and an unpark. */
    static final class BlockingWaiter<K> extends Waiter<K> {
        static final int WAITING = 0;
        static final int GRANTED = 1;
        static final int TIMED_OUT = 2;
        static final int ABANDONED = 3;
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(BlockingWaiter.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final Thread thread;
        private volatile int state;

        BlockingWaiter(Node<K> node, Thread thread) {
            super(node);
            this.thread = thread;
        }

        int state() {
            return state;
        }

        @Override
        boolean grant() {
            if (STATE.compareAndSet(this, WAITING, GRANTED)) {
                LockSupport.unpark(thread);
                return true;
            }
            return false;
        }

        boolean abandon() {
            return STATE.compareAndSet(this, WAITING, ABANDONED);
        }

        @SuppressWarnings("unchecked")
        void timeOut() {
            if (STATE.compareAndSet(this, WAITING, TIMED_OUT)) {
                ((InJvmKeyedMutex<K>) node.segment.mutex).withdraw(this);
                LockSupport.unpark(thread);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Segments: a spin lock and a chained hash table, padded against false sharing.

    abstract static class SegmentPadBefore {
        long p01, p02, p03, p04, p05, p06, p07, p08;
    }

    abstract static class SegmentFields extends SegmentPadBefore {
        static final VarHandle LOCK;
        static final VarHandle COUNT;

        static {
            try {
                MethodHandles.Lookup lookup = MethodHandles.lookup();
                LOCK = lookup.findVarHandle(SegmentFields.class, "lock", int.class);
                COUNT = lookup.findVarHandle(SegmentFields.class, "count", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** 0 = free, 1 = held. */
        volatile int lock;
        /** Nodes in this segment; written under the lock, read opaquely for monitoring. */
        int count;
        /** Bucket array; null while the segment is empty. Guarded by the lock. */
        Node<?>[] table;
    }

    static final class Segment extends SegmentFields {
        /** Smallest bucket array, in buckets. */
        static final int MIN_CAPACITY = 8;
        /** Spins before a waiting thread starts yielding. */
        static final int SPINS = 64;

        long q01, q02, q03, q04, q05, q06, q07, q08;
        final InJvmKeyedMutex<?> mutex;

        Segment(InJvmKeyedMutex<?> mutex) {
            this.mutex = mutex;
        }

        void lock() {
            if (!LOCK.compareAndSet(this, 0, 1)) {
                lockSlow();
            }
        }

        private void lockSlow() {
            int spins = 0;
            while (true) {
                if ((int) LOCK.getOpaque(this) == 0 && LOCK.compareAndSet(this, 0, 1)) {
                    return;
                }
                if (spins < SPINS) {
                    spins++;
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        void unlock() {
            LOCK.setRelease(this, 0);
        }

        int countOpaque() {
            return (int) COUNT.getOpaque(this);
        }

        @SuppressWarnings("unchecked")
        <K> Node<K> find(Object key, int h) {
            Node<?>[] tab = table;
            if (tab == null) {
                return null;
            }
            for (Node<?> n = tab[h & (tab.length - 1)]; n != null; n = n.next) {
                Object k = n.key;
                if (k == key || k.equals(key)) {
                    return (Node<K>) n;
                }
            }
            return null;
        }

        void insert(Node<?> n, int h) {
            Node<?>[] tab = table;
            if (tab == null) {
                tab = new Node<?>[MIN_CAPACITY];
                table = tab;
            }
            int i = h & (tab.length - 1);
            n.next = tab[i];
            tab[i] = n;
            int c = count + 1;
            COUNT.setOpaque(this, c);
            if (c > (tab.length >>> 1) + (tab.length >>> 2)) {
                resize(tab.length << 1);
            }
        }

        void remove(Node<?> n, int h) {
            Node<?>[] tab = table;
            int i = h & (tab.length - 1);
            Node<?> prev = null;
            for (Node<?> e = tab[i]; e != null; prev = e, e = e.next) {
                if (e == n) {
                    if (prev == null) {
                        tab[i] = e.next;
                    } else {
                        prev.next = e.next;
                    }
                    e.next = null;
                    int c = count - 1;
                    COUNT.setOpaque(this, c);
                    if (c == 0) {
                        if (tab.length > MIN_CAPACITY) {
                            table = null; // give back a table that grew for a burst
                        }
                    } else if (tab.length > MIN_CAPACITY && c < (tab.length >>> 3)) {
                        resize(tab.length >>> 1);
                    }
                    return;
                }
            }
            throw new IllegalStateException("keyed mutex internal error: node for " + Guards.render(n.key)
                    + " missing from its segment");
        }

        private void resize(int capacity) {
            Node<?>[] old = table;
            Node<?>[] tab = new Node<?>[capacity];
            for (Node<?> head : old) {
                Node<?> e = head;
                while (e != null) {
                    Node<?> next = e.next;
                    int i = mix(e.key.hashCode()) & (capacity - 1);
                    e.next = tab[i];
                    tab[i] = e;
                    e = next;
                }
            }
            table = tab;
        }
    }
}
