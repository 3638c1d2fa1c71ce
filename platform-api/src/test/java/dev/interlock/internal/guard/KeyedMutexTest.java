package dev.interlock.internal.guard;

import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.KeyedMutex;
import dev.interlock.api.guard.KeyedMutex.Permit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyedMutexTest {

    static Stream<Env> envs() {
        return Stream.of(Env.manual(), Env.real());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void acquire_waiters_grantedInFifoOrder(Env env) throws Exception {
        try (env) {
            KeyedMutex<String> m = env.guard.newKeyedMutex("fifo");
            Permit<String> first = env.await(m.acquire("k"));
            List<Integer> order = new CopyOnWriteArrayList<>();
            List<CompletionStage<Permit<String>>> waiters = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                CompletionStage<Permit<String>> w = m.acquire("k");
                w.thenAccept(p -> order.add(n));
                waiters.add(w);
            }
            assertThat(waiters).noneMatch(w -> w.toCompletableFuture().isDone());
            first.release();
            for (CompletionStage<Permit<String>> w : waiters) {
                Permit<String> p = env.await(w);
                assertThat(p.key()).isEqualTo("k");
                p.release();
            }
            assertThat(order).containsExactly(0, 1, 2, 3, 4);
            assertThat(m.activeKeys()).isZero();
            assertThat(m.isLocked("k")).isFalse();
        }
    }

    @Test
    void tryAcquire_heldKey_returnsEmptyAndOtherKeysAreFree() {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("try");
        Permit<String> a = m.tryAcquire("a").orElseThrow();
        assertThat(m.tryAcquire("a")).isEmpty();
        Permit<String> b = m.tryAcquire("b").orElseThrow();
        assertThat(m.activeKeys()).isEqualTo(2);
        assertThat(m.isLocked("a")).isTrue();
        a.release();
        b.release();
        assertThat(m.activeKeys()).isZero();
        assertThat(m.tryAcquire("a")).isPresent();
    }

    @Test
    void release_twice_throwsIllegalStateAndChangesNothing() {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("orders");
        Permit<String> p = m.tryAcquire("k1").orElseThrow();
        p.release();
        assertThatThrownBy(p::release).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("orders").hasMessageContaining("k1").hasMessageContaining("already released");
        // A new holder is not disturbed by the stale permit.
        Permit<String> q = m.tryAcquire("k1").orElseThrow();
        assertThatThrownBy(p::close).isInstanceOf(IllegalStateException.class);
        assertThat(m.isLocked("k1")).isTrue();
        q.release();
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void release_twiceAfterHandoff_doesNotReleaseTheNextHolder() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("handoff");
        Permit<String> p = m.tryAcquire("k").orElseThrow();
        CompletableFuture<Permit<String>> next = m.acquire("k").toCompletableFuture();
        p.release();
        Permit<String> q = next.getNow(null);
        assertThat(q).isNotNull().isNotSameAs(p);
        assertThatThrownBy(p::release).isInstanceOf(IllegalStateException.class);
        assertThat(m.isLocked("k")).isTrue();
        assertThat(m.tryAcquire("k")).isEmpty();
        q.release();
        assertThatThrownBy(q::release).isInstanceOf(IllegalStateException.class);
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void release_fromAnotherThread_handsTheKeyOn() throws Exception {
        try (Env env = Env.real()) {
            KeyedMutex<String> m = env.guard.newKeyedMutex("cross-thread");
            Permit<String> p = env.await(m.acquire("k"));
            CompletionStage<Permit<String>> next = m.acquire("k");
            Thread t = Thread.ofPlatform().start(p::release);
            t.join();
            env.await(next).release();
            assertThat(m.activeKeys()).isZero();
        }
    }

    @Test
    void acquireWithTimeout_expires_failsNamingMutexKeyAndTimeoutAndLeavesQueueIntact() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("topics");
        Permit<String> holder = m.tryAcquire("t-42").orElseThrow();
        CompletableFuture<Permit<String>> timed = m.acquire("t-42", Duration.ofSeconds(2)).toCompletableFuture();
        CompletableFuture<Permit<String>> patient = m.acquire("t-42").toCompletableFuture();
        env.manual.advance(Duration.ofMillis(1999));
        assertThat(timed).isNotDone();
        env.manual.advance(Duration.ofMillis(1));
        Throwable failure = env.failure(timed);
        assertThat(failure).isInstanceOf(GuardTimeoutException.class)
                .hasMessageContaining("topics").hasMessageContaining("t-42").hasMessageContaining("PT2S");
        holder.release();
        assertThat(patient.getNow(null)).isNotNull();
        patient.getNow(null).release();
        assertThat(m.activeKeys()).isZero();
        assertThat(env.manual.pendingTimers()).isZero();
    }

    @Test
    void acquireWithTimeout_grantedInTime_cancelsItsTimer() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("timer");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        CompletionStage<Permit<String>> timed = m.acquire("k", Duration.ofSeconds(5));
        assertThat(env.manual.pendingTimers()).isEqualTo(1);
        holder.release();
        assertThat(env.manual.pendingTimers()).isZero();
        env.manual.advance(Duration.ofSeconds(10));
        env.await(timed).release();
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void cancel_queuedWaiter_isWithdrawnAndNextWaiterIsGranted() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("cancel");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        CompletableFuture<Permit<String>> cancelled = m.acquire("k").toCompletableFuture();
        CompletableFuture<Permit<String>> next = m.acquire("k").toCompletableFuture();
        assertThat(cancelled.cancel(false)).isTrue();
        holder.release();
        assertThat(next.getNow(null)).isNotNull();
        next.getNow(null).release();
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void cancel_lastWaiterThenRelease_freesTheKey() {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("cancel-last");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        CompletableFuture<Permit<String>> w = m.acquire("k").toCompletableFuture();
        w.cancel(true);
        assertThat(m.activeKeys()).isEqualTo(1);
        holder.release();
        assertThat(m.activeKeys()).isZero();
        assertThat(m.isLocked("k")).isFalse();
    }

    @Test
    void cancel_racingWithGrant_cancelledCallerNeverHoldsTheKey() throws Exception {
        try (Env env = Env.real()) {
            KeyedMutex<Integer> m = env.guard.newKeyedMutex("cancel-race");
            for (int i = 0; i < 2_000; i++) {
                Permit<Integer> holder = m.tryAcquire(1).orElseThrow();
                CompletableFuture<Permit<Integer>> w = m.acquire(1).toCompletableFuture();
                Thread releaser = Thread.ofPlatform().start(holder::release);
                boolean cancelled = w.cancel(false);
                releaser.join();
                if (cancelled) {
                    // The grant (if it happened) was handed back at once: the key is free.
                    env.settle(() -> m.activeKeys() == 0);
                } else {
                    w.join().release();
                }
                assertThat(m.activeKeys()).isZero();
            }
        }
    }

    @Test
    @SuppressWarnings("try")
    void lock_blocksVirtualThreadsAndKeepsExclusion() throws Exception {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("vt");
        int[] counter = new int[1];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        int[] inside = new int[1];
        for (int t = 0; t < 50; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 200; i++) {
                        try (Permit<String> p = m.lock("shared")) {
                            if (++inside[0] != 1) {
                                failure.set(new AssertionError("two holders"));
                            }
                            counter[0]++;
                            Thread.yield();
                            inside[0]--;
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(counter[0]).isEqualTo(50 * 200);
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void lock_interruptedWhileWaiting_throwsAndHoldsNothing() throws Exception {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("interrupt");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                m.lock("k");
                outcome.set(new AssertionError("granted"));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitWaiting(waiter);
        waiter.interrupt();
        waiter.join();
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class).hasMessageContaining("interrupt")
                .hasMessageContaining("holds nothing");
        holder.release();
        assertThat(m.activeKeys()).isZero();
    }

    /**
     * A grant that lands while a platform waiter spins leaves an unpark permit on its thread (the waiter returns on the
     * state before the grantor's unpark arrives). The next wait of that thread must treat the permit as a spurious
     * wake-up: re-check its state and park again, never return without a grant.
     */
    @Test
    void lock_platformThreadWithStaleUnparkPermit_parksAgainUntilGranted() throws Exception {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("stale-permit");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            LockSupport.unpark(Thread.currentThread()); // the stale permit: the first park returns at once
            try {
                Permit<String> p = m.lock("k");
                outcome.set(p);
                p.release();
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitWaiting(waiter); // throws if lock() returned on the stale permit
        assertThat(outcome.get()).isNull();
        holder.release();
        waiter.join();
        assertThat(outcome.get()).isInstanceOf(Permit.class);
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void tryLock_timeoutOnSchedulerClock_returnsEmptyAndHoldsNothing() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("trylock");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                outcome.set(m.tryLock("k", Duration.ofSeconds(3)));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitWaiting(waiter);
        while (env.manual.pendingTimers() == 0) {
            Thread.onSpinWait();
        }
        env.manual.advance(Duration.ofSeconds(2));
        assertThat(waiter.isAlive()).isTrue();
        env.manual.advance(Duration.ofSeconds(1));
        waiter.join();
        assertThat(outcome.get()).isEqualTo(Optional.empty());
        holder.release();
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void tryLock_grantedBeforeTimeout_returnsPermit() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("trylock2");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().start(() -> {
            try {
                Optional<Permit<String>> p = m.tryLock("k", Duration.ofSeconds(3));
                outcome.set(p);
                p.ifPresent(Permit::release);
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        awaitWaiting(waiter);
        holder.release();
        waiter.join();
        assertThat(outcome.get()).isInstanceOf(Optional.class);
        assertThat((Optional<?>) outcome.get()).isPresent();
        assertThat(env.manual.pendingTimers()).isZero();
        assertThat(m.tryLock("k", Duration.ZERO)).isPresent();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void withLock_runsActionOnSchedulerUnderTheKeyAndReleasesAfterItsStage(Env env) throws Exception {
        try (env) {
            KeyedMutex<String> m = env.guard.newKeyedMutex("with");
            CompletableFuture<String> inner = new CompletableFuture<>();
            CompletionStage<String> result = m.withLock("k", () -> inner);
            env.settle(() -> m.isLocked("k"));
            assertThat(m.tryAcquire("k")).isEmpty();
            inner.complete("done");
            assertThat(env.await(result)).isEqualTo("done");
            env.settle(() -> !m.isLocked("k"));
            CompletionStage<String> failing = m.withLock("k", () -> {
                throw new IllegalArgumentException("boom");
            });
            assertThat(env.failure(failing)).isInstanceOf(IllegalArgumentException.class).hasMessage("boom");
            CompletionStage<String> failingStage = m.withLock("k",
                    () -> CompletableFuture.failedFuture(new IllegalStateException("bad")));
            assertThat(env.failure(failingStage)).isInstanceOf(IllegalStateException.class).hasMessage("bad");
            env.settle(() -> m.activeKeys() == 0);
        }
    }

    @Test
    void withLock_cancelledWhileWaiting_neverRunsTheAction() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> m = env.guard.newKeyedMutex("with-cancel");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        boolean[] ran = new boolean[1];
        CompletionStage<String> result = m.withLock("k", () -> {
            ran[0] = true;
            return CompletableFuture.completedFuture("x");
        });
        result.toCompletableFuture().cancel(false);
        holder.release();
        env.manual.runUntilIdle();
        assertThat(ran[0]).isFalse();
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    @SuppressWarnings("try")
    void blockingAndAsyncWaiters_mixed_grantedInArrivalOrder() throws Exception {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("mixed");
        Permit<String> holder = m.tryAcquire("k").orElseThrow();
        List<String> order = new CopyOnWriteArrayList<>();
        CompletableFuture<Permit<String>> async1 = m.acquire("k").toCompletableFuture();
        async1.thenAccept(p -> order.add("async1"));
        Thread blocking = Thread.ofVirtual().start(() -> {
            try (Permit<String> p = m.lock("k")) {
                order.add("blocking");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitWaiting(blocking);
        CompletableFuture<Permit<String>> async2 = m.acquire("k").toCompletableFuture();
        async2.thenAccept(p -> order.add("async2"));
        holder.release();
        async1.join().release();
        blocking.join();
        async2.join().release();
        assertThat(order).containsExactly("async1", "blocking", "async2");
        assertThat(m.activeKeys()).isZero();
    }

    @Test
    void nulls_areRejectedNamingTheParameter() {
        KeyedMutex<String> m = Env.manual().guard.newKeyedMutex("nulls");
        assertThatThrownBy(() -> m.acquire(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> m.tryAcquire(null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> m.acquire("k", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> m.withLock("k", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("action");
    }

    @Test
    void millionDistinctKeys_lockedAndReleased_leaveNoEntries() throws Exception {
        KeyedMutex<Integer> m = Env.manual().guard.newKeyedMutex("million");
        for (int i = 0; i < 1_000_000; i++) {
            Integer key = i;
            switch (i & 3) {
                case 0 -> m.lock(key).release();
                case 1 -> m.tryAcquire(key).orElseThrow().release();
                case 2 -> m.acquire(key).toCompletableFuture().join().close();
                default -> m.tryLock(key, Duration.ofSeconds(1)).orElseThrow().release();
            }
        }
        assertThat(m.activeKeys()).isZero();
        // Also while many are held at once (tables grow), then all released (tables shrink back).
        List<Permit<Integer>> held = new ArrayList<>();
        for (int i = 0; i < 100_000; i++) {
            held.add(m.tryAcquire(i).orElseThrow());
        }
        assertThat(m.activeKeys()).isEqualTo(100_000);
        for (Permit<Integer> p : held) {
            p.release();
        }
        assertThat(m.activeKeys()).isZero();
        InJvmKeyedMutex<Integer> impl = (InJvmKeyedMutex<Integer>) m;
        assertThat(impl.retainedBuckets()).isLessThanOrEqualTo(impl.segmentCount() * InJvmKeyedMutex.Segment.MIN_CAPACITY);
    }

    static void awaitWaiting(Thread t) {
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            if (!t.isAlive()) {
                throw new AssertionError("thread ended before waiting");
            }
            Thread.onSpinWait();
        }
    }
}
