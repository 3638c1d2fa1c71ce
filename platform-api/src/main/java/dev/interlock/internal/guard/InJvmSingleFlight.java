package dev.interlock.internal.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.SingleFlight;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The in-JVM {@link SingleFlight}.
 *
 * <h2>Design</h2>
 * <pre>
 * flights: ConcurrentHashMap key -> Flight, holding only executions in flight.
 *
 * The first caller installs a Flight and invokes the work on its own thread (Go's singleflight, Caffeine's
 * AsyncCache.get): the work only starts the execution and returns its stage, so the idle-key path is a map insert,
 * a supplier call and a map remove, with no thread hop. It allocates the Flight, the map node and the leader's
 * future.
 *
 * A Flight is the shared execution and is never handed to a caller. Each caller gets its own future (the leader's
 * sits in a field, joiners are Waiters on the Flight's intrusive doubly-linked list, guarded by the Flight's
 * SpinLock, which never runs user code), so a caller that cancels or times out completes only its own future (Go
 * singleflight's hole, and Caffeine's shared future, avoided). A Waiter that completes by any other route than the
 * Flight's outcome (cancel, timeout, a caller completing it) unlinks itself at once, so a long execution retains
 * only the callers still waiting, however many came and went.
 *
 * While the first caller is inside the work supplier, Flight.starter names its thread: a call on the same key from
 * that thread (the work, directly or through other keys' work) is reentrant and fails at once instead of joining an
 * execution whose stage would then depend on itself.
 *
 * On completion the Flight first leaves the map (conditionally: forget() may have detached it and a newer
 * Flight may be there), so failures are never visible to a later caller, then marks itself done under its lock,
 * detaches the waiter list and completes every caller outside the lock. A caller that finds the Flight done starts
 * over (the Flight has left the map by then).
 *
 * With a success TTL, a Caffeine cache (expireAfterWrite, ticker = scheduler.nanoTime(), executor = scheduler)
 * keeps successful values. The value is written inside flights.computeIfPresent on the Flight's own mapping, so
 * forget() (flights.remove, then cache.invalidate) can never be overtaken by a stale write. A caller that installs
 * a new Flight re-checks the cache once, closing the window between "cache miss" and "old Flight left the map".
 * </pre>
 */
final class InJvmSingleFlight<K, V> implements SingleFlight<K, V> {

    private final String name;
    private final Scheduler scheduler;
    private final ConcurrentHashMap<K, Flight<K, V>> flights = new ConcurrentHashMap<>();
    /** Successful values kept for the TTL, or null when nothing is cached. */
    private final Cache<K, V> successes;

    InJvmSingleFlight(String name, Scheduler scheduler, Duration successTtl) {
        this.name = name;
        this.scheduler = scheduler;
        if (successTtl == null) {
            this.successes = null;
        } else {
            this.successes = Caffeine.newBuilder()
                    .expireAfterWrite(successTtl)
                    .ticker(scheduler::nanoTime)
                    .executor(scheduler)
                    .build();
        }
    }

    @Override
    public CompletionStage<V> execute(K key, Supplier<? extends CompletionStage<? extends V>> work) {
        Guards.requireNonNull(key, "key");
        Guards.requireNonNull(work, "work");
        return join(key, work);
    }

    @Override
    public CompletionStage<V> execute(K key, Duration timeout, Supplier<? extends CompletionStage<? extends V>> work) {
        Guards.requireNonNull(key, "key");
        Guards.requireTimeout(timeout);
        Guards.requireNonNull(work, "work");
        CompletableFuture<V> caller = join(key, work);
        if (caller.isDone()) {
            return caller;
        }
        // A joiner's completeExceptionally unlinks it from the flight (Waiter), so a timed-out caller is released.
        Cancellable timer = scheduler.schedule(() -> caller.completeExceptionally(new GuardTimeoutException(
                "single-flight '" + name + "': the execution for key " + Guards.render(key) + " did not complete within "
                        + timeout + "; it goes on for the other callers")), timeout);
        caller.whenComplete((v, e) -> timer.cancel());
        return caller;
    }

    private CompletableFuture<V> join(K key, Supplier<? extends CompletionStage<? extends V>> work) {
        Cache<K, V> cache = successes;
        if (cache != null) {
            V cached = cache.getIfPresent(key);
            if (cached != null) {
                return CompletableFuture.completedFuture(cached);
            }
        }
        Flight<K, V> f = flights.get(key);
        while (true) {
            if (f != null) {
                if (f.starter == Thread.currentThread()) {
                    return CompletableFuture.failedFuture(new IllegalStateException("single-flight '" + name
                            + "': execute on key " + Guards.render(key) + " was called from inside that key's own work"
                            + " (reentrant); the work must not start or join its own execution"));
                }
                CompletableFuture<V> joiner = f.join();
                if (joiner != null) {
                    return joiner;
                }
                // That flight finished and left the map in the meantime: start over.
            }
            CompletableFuture<V> leader = new CompletableFuture<>();
            Flight<K, V> mine = new Flight<>(this, key, leader);
            f = flights.putIfAbsent(key, mine);
            if (f == null) {
                if (cache != null) {
                    V cached = cache.getIfPresent(key);
                    if (cached != null) { // a flight finished between our cache miss and our install
                        mine.starter = null;
                        flights.remove(key, mine);
                        mine.publish(cached, null);
                        return leader;
                    }
                }
                mine.start(work);
                return leader;
            }
        }
    }

    @Override
    public void forget(K key) {
        Guards.requireNonNull(key, "key");
        flights.remove(key);
        if (successes != null) {
            successes.invalidate(key);
        }
    }

    @Override
    public int inFlight() {
        return flights.size();
    }

    @Override
    public String toString() {
        return "SingleFlight[" + name + ", inFlight=" + inFlight() + "]";
    }

    /** Called by a flight once its work has an outcome: leave the map (recording a success if cached). */
    private void retire(Flight<K, V> f, V value, Throwable failure) {
        if (successes != null && failure == null && value != null) {
            flights.computeIfPresent(f.key, (k, current) -> {
                if (current != f) {
                    return current;
                }
                successes.put(k, value);
                return null;
            });
        } else {
            flights.remove(f.key, f);
        }
    }

    /** Waiters still registered on the key's execution in flight (0 if none): for tests. */
    int retainedWaiters(K key) {
        Flight<K, V> f = flights.get(key);
        return f == null ? 0 : f.waiterCount();
    }

    /** One shared execution; the lock guards the waiter list and the done flag. */
    static final class Flight<K, V> extends SpinLock implements BiConsumer<Object, Throwable> {
        final InJvmSingleFlight<K, V> owner;
        final K key;
        private final CompletableFuture<V> leader;
        /**
         * The first caller's thread while it is inside the work supplier, else null. Written by that thread only
         * (before the map publishes the Flight, and after the supplier returns): another thread may read a stale
         * value, but never its own thread, so the reentrancy check is exact.
         */
        Thread starter;
        /** Joined callers still waiting (guarded by the lock). */
        private Waiter<V> head;
        private int waiters;
        /** Set once, under the lock, when the outcome is published. */
        private boolean done;

        Flight(InJvmSingleFlight<K, V> owner, K key, CompletableFuture<V> leader) {
            this.owner = owner;
            this.key = key;
            this.leader = leader;
            this.starter = Thread.currentThread();
        }

        /** A new future for a joining caller, or null if this flight is already done. */
        CompletableFuture<V> join() {
            Waiter<V> w = new Waiter<>(this);
            lock();
            try {
                if (done) {
                    return null;
                }
                Waiter<V> h = head;
                w.next = h;
                if (h != null) {
                    h.prev = w;
                }
                head = w;
                waiters++;
            } finally {
                unlock();
            }
            return w;
        }

        /** A waiter completed on its own (cancelled, timed out): forget it. */
        void withdraw(Waiter<V> w) {
            lock();
            try {
                if (done || w.flight == null) {
                    return; // the outcome detached the list, or w is already unlinked
                }
                Waiter<V> p = w.prev;
                Waiter<V> n = w.next;
                if (p == null) {
                    head = n;
                } else {
                    p.next = n;
                }
                if (n != null) {
                    n.prev = p;
                }
                w.prev = null;
                w.next = null;
                w.flight = null;
                waiters--;
            } finally {
                unlock();
            }
        }

        int waiterCount() {
            lock();
            try {
                return waiters;
            } finally {
                unlock();
            }
        }

        /** Invokes the work on the first caller's thread and attaches to its stage. */
        void start(Supplier<? extends CompletionStage<? extends V>> work) {
            CompletionStage<? extends V> stage;
            try {
                stage = work.get();
            } catch (Throwable t) {
                starter = null;
                finish(null, t);
                return;
            }
            starter = null;
            if (stage == null) {
                finish(null, new NullPointerException("single-flight '" + owner.name + "': work for key "
                        + Guards.render(key) + " returned a null CompletionStage"));
                return;
            }
            if (stage instanceof CompletableFuture<? extends V> cf && cf.isDone()) {
                Throwable t = Guards.failureOf(cf);
                finish(t == null ? cf.getNow(null) : null, t);
            } else {
                stage.whenComplete(this);
            }
        }

        /** The work's stage completed. */
        @Override
        @SuppressWarnings("unchecked")
        public void accept(Object v, Throwable t) {
            finish((V) v, t == null ? null : Guards.unwrap(t));
        }

        void finish(V v, Throwable t) {
            owner.retire(this, v, t);
            publish(v, t);
        }

        void publish(V v, Throwable t) {
            Waiter<V> list;
            lock();
            try {
                done = true;
                list = head;
                head = null;
                waiters = 0;
            } finally {
                unlock();
            }
            complete(leader, v, t);
            // Nobody touches the detached list's links any more: withdraw() sees done and returns.
            for (Waiter<V> w = list; w != null; w = w.next) {
                w.settle(v, t);
            }
        }

        private static <V> void complete(CompletableFuture<V> f, V v, Throwable t) {
            if (t == null) {
                f.complete(v);
            } else {
                f.completeExceptionally(t);
            }
        }
    }

    /**
     * A joined caller's own future, linked on its flight's waiter list. Completing it by any route other than
     * the flight's outcome (cancel, the timeout, the caller's own complete/completeExceptionally/obtrude) unlinks it,
     * so the flight retains only callers still waiting.
     */
    static final class Waiter<V> extends CompletableFuture<V> {
        /** The flight while linked; null once unlinked (guarded by the flight's lock). */
        Flight<?, V> flight;
        Waiter<V> prev;
        Waiter<V> next;

        Waiter(Flight<?, V> flight) {
            this.flight = flight;
        }

        /** Completes with the flight's outcome. */
        void settle(V v, Throwable t) {
            if (t == null) {
                super.complete(v);
            } else {
                super.completeExceptionally(t);
            }
        }

        private void release() {
            Flight<?, V> f = flight;
            if (f != null) {
                f.withdraw(this);
            }
        }

        @Override
        public boolean complete(V value) {
            boolean changed = super.complete(value);
            release();
            return changed;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean changed = super.completeExceptionally(ex);
            release();
            return changed;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean changed = super.cancel(mayInterruptIfRunning);
            release();
            return changed;
        }

        @Override
        public void obtrudeValue(V value) {
            super.obtrudeValue(value);
            release();
        }

        @Override
        public void obtrudeException(Throwable ex) {
            super.obtrudeException(ex);
            release();
        }
    }
}
