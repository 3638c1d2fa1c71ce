package dev.interlock.internal.guard;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.SingleFlight;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * A Flight is the shared execution and is never handed to a caller. Each caller gets its own CompletableFuture
 * (the leader's sits in a field, joiners are pushed on a lock-free stack), so a caller that cancels or times out
 * completes only its own future (Go singleflight's hole, and Caffeine's shared future, avoided). The Flight is
 * itself the Runnable submitted to the scheduler and the BiConsumer attached to the work's stage, so the idle-key
 * path allocates: the Flight, the map node, the leader's future.
 *
 * On completion the Flight first leaves the map (conditionally: forget() may have detached it and a newer
 * Flight may be there), so failures are never visible to a later caller, then swaps its stack for DONE and
 * completes every caller. A joiner that finds DONE completes itself from the Flight's stored outcome.
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
                CompletableFuture<V> joiner = f.join();
                if (joiner != null) {
                    return joiner;
                }
                // That flight finished and left the map in the meantime: start over.
            }
            CompletableFuture<V> leader = new CompletableFuture<>();
            Flight<K, V> mine = new Flight<>(this, key, work, leader);
            f = flights.putIfAbsent(key, mine);
            if (f == null) {
                if (cache != null) {
                    V cached = cache.getIfPresent(key);
                    if (cached != null) { // a flight finished between our cache miss and our install
                        flights.remove(key, mine);
                        mine.publish(cached, null);
                        return leader;
                    }
                }
                try {
                    scheduler.execute(mine);
                } catch (RuntimeException e) {
                    mine.finish(null, e);
                }
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

    /** One shared execution. */
    static final class Flight<K, V> implements Runnable, BiConsumer<Object, Throwable> {
        private static final VarHandle WAITERS;
        /** Marks the joiner stack of a flight that has completed. */
        private static final Joiner<?> DONE = new Joiner<>(null, null);

        static {
            try {
                WAITERS = MethodHandles.lookup().findVarHandle(Flight.class, "waiters", Joiner.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final InJvmSingleFlight<K, V> owner;
        final K key;
        private Supplier<? extends CompletionStage<? extends V>> work;
        private final CompletableFuture<V> leader;
        /** Joiners' futures (a Treiber stack), or DONE. */
        private volatile Joiner<V> waiters;
        /** The outcome; written before waiters becomes DONE. */
        private V value;
        private Throwable failure;

        Flight(InJvmSingleFlight<K, V> owner, K key, Supplier<? extends CompletionStage<? extends V>> work,
               CompletableFuture<V> leader) {
            this.owner = owner;
            this.key = key;
            this.work = work;
            this.leader = leader;
        }

        /** A new future for a joining caller, or null if this flight is already done. */
        @SuppressWarnings("unchecked")
        CompletableFuture<V> join() {
            Joiner<V> head = waiters;
            if (head == DONE) {
                return null;
            }
            CompletableFuture<V> future = new CompletableFuture<>();
            Joiner<V> node = new Joiner<>(future, head);
            while (true) {
                if (WAITERS.compareAndSet(this, head, node)) {
                    return future;
                }
                head = waiters;
                if (head == DONE) {
                    // Finished while we were pushing: the outcome is published (value/failure before DONE).
                    complete(future, value, failure);
                    return future;
                }
                node.next = head;
            }
        }

        /** Runs the work on the scheduler. */
        @Override
        public void run() {
            Supplier<? extends CompletionStage<? extends V>> w = work;
            work = null;
            CompletionStage<? extends V> stage;
            try {
                stage = w.get();
            } catch (Throwable t) {
                finish(null, t);
                return;
            }
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

        @SuppressWarnings("unchecked")
        void publish(V v, Throwable t) {
            value = v;
            failure = t;
            Joiner<V> stack = (Joiner<V>) WAITERS.getAndSet(this, DONE);
            complete(leader, v, t);
            for (Joiner<V> j = stack; j != null; j = j.next) {
                complete(j.future, v, t);
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

    /** A joiner's future on a flight's stack. */
    static final class Joiner<V> {
        final CompletableFuture<V> future;
        Joiner<V> next;

        Joiner(CompletableFuture<V> future, Joiner<V> next) {
            this.future = future;
            this.next = next;
        }
    }
}
