package dev.interlock.internal.guard;

import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.SingleFlight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SingleFlightTest {

    static Stream<Env> envs() {
        return Stream.of(Env.manual(), Env.real());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void execute_concurrentCallers_shareOneExecution(Env env) throws Exception {
        try (env) {
            SingleFlight<String, String> sf = env.guard.newSingleFlight("share");
            AtomicInteger executions = new AtomicInteger();
            CompletableFuture<String> work = new CompletableFuture<>();
            List<CompletionStage<String>> callers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                callers.add(sf.execute("k", () -> {
                    executions.incrementAndGet();
                    return work;
                }));
            }
            env.settle(() -> executions.get() == 1);
            assertThat(sf.inFlight()).isEqualTo(1);
            work.complete("v");
            for (CompletionStage<String> c : callers) {
                assertThat(env.await(c)).isEqualTo("v");
            }
            assertThat(executions.get()).isEqualTo(1);
            assertThat(sf.inFlight()).isZero();
            // Nothing cached: the next call runs again.
            assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture("w")))).isEqualTo("w");
        }
    }

    @Test
    void execute_idleKey_workRunsOnCallingThreadInsideExecute() {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("where");
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CompletionStage<String> s = sf.execute("k", () -> {
            ranOn.set(Thread.currentThread());
            return CompletableFuture.completedFuture("x");
        });
        // No scheduler step: the work ran inside execute, on this thread, and the key is free again.
        assertThat(ranOn.get()).isSameAs(Thread.currentThread());
        assertThat(s.toCompletableFuture()).isCompletedWithValue("x");
        assertThat(sf.inFlight()).isZero();
        assertThat(env.manual.runUntilIdle()).isZero();
    }

    @Test
    void execute_workThrowsWhileAnotherThreadJoined_everyCallerGetsTheFailure() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("throws");
        AtomicReference<CompletionStage<String>> joined = new AtomicReference<>();
        AtomicInteger executions = new AtomicInteger();
        CompletionStage<String> first = sf.execute("k", () -> {
            executions.incrementAndGet();
            // Another thread arrives while the supplier is still running: it joins this execution.
            Thread other = Thread.ofPlatform().start(() -> joined.set(sf.execute("k", () -> {
                executions.incrementAndGet();
                return CompletableFuture.completedFuture("second execution");
            })));
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            throw new IllegalArgumentException("could not start");
        });
        assertThat(executions.get()).isEqualTo(1);
        assertThat(env.failure(first)).isInstanceOf(IllegalArgumentException.class).hasMessage("could not start");
        assertThat(env.failure(joined.get())).isInstanceOf(IllegalArgumentException.class).hasMessage("could not start");
        assertThat(sf.inFlight()).isZero();
    }

    @Test
    void execute_reentrantCallFromInsideWork_failsAtOnceAndLeavesTheExecutionIntact() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("reentrant");
        CompletableFuture<String> work = new CompletableFuture<>();
        AtomicReference<CompletionStage<String>> direct = new AtomicReference<>();
        AtomicReference<CompletionStage<String>> viaOtherKey = new AtomicReference<>();
        AtomicInteger executions = new AtomicInteger();
        CompletionStage<String> outer = sf.execute("k", () -> {
            executions.incrementAndGet();
            direct.set(sf.execute("k", () -> {
                executions.incrementAndGet();
                return CompletableFuture.completedFuture("inner");
            }));
            // Through another key's work on the same thread: still a cycle on "k".
            sf.execute("other", () -> {
                viaOtherKey.set(sf.execute("k", () -> {
                    executions.incrementAndGet();
                    return CompletableFuture.completedFuture("nested");
                }));
                return CompletableFuture.completedFuture("o");
            });
            return work;
        });
        assertThat(executions.get()).isEqualTo(1);
        for (CompletionStage<String> reentrant : List.of(direct.get(), viaOtherKey.get())) {
            assertThat(env.failure(reentrant)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reentrant").hasMessageContaining("'k'").hasMessageContaining("own work");
        }
        assertThat(sf.inFlight()).isEqualTo(1);
        assertThat(outer.toCompletableFuture()).isNotDone();
        // After the supplier returned, the same thread is an ordinary joiner.
        CompletionStage<String> later = sf.execute("k", () -> CompletableFuture.completedFuture("never"));
        work.complete("v");
        assertThat(env.await(outer)).isEqualTo("v");
        assertThat(env.await(later)).isEqualTo("v");
        assertThat(executions.get()).isEqualTo(1);
        assertThat(sf.inFlight()).isZero();
    }

    @Test
    void cancel_millionJoinersOnOneInProgressFlight_retainNoWaiters() throws Exception {
        Env.Manual env = new Env.Manual();
        InJvmSingleFlight<String, String> sf = (InJvmSingleFlight<String, String>) env.guard.<String, String>newSingleFlight("leak");
        CompletableFuture<String> work = new CompletableFuture<>();
        CompletionStage<String> leader = sf.execute("k", () -> work);
        CompletionStage<String> stays = sf.execute("k", () -> work);
        assertThat(sf.retainedWaiters("k")).isEqualTo(1);
        for (int i = 0; i < 1_000_000; i++) {
            sf.execute("k", () -> work).toCompletableFuture().cancel(false);
        }
        assertThat(sf.retainedWaiters("k")).isEqualTo(1);
        // Timed-out callers are released too, and so are callers that complete their own stage.
        for (int i = 0; i < 1_000; i++) {
            sf.execute("k", Duration.ofMillis(1), () -> work);
        }
        sf.execute("k", () -> work).toCompletableFuture().complete("mine");
        assertThat(sf.retainedWaiters("k")).isEqualTo(1_001);
        env.manual.advance(Duration.ofMillis(1));
        assertThat(sf.retainedWaiters("k")).isEqualTo(1);
        assertThat(work).isNotDone();
        work.complete("v");
        assertThat(env.await(leader)).isEqualTo("v");
        assertThat(env.await(stays)).isEqualTo("v");
        assertThat(sf.inFlight()).isZero();
        assertThat(sf.retainedWaiters("k")).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void execute_failure_reachesEveryCallerAndIsNotCached(Env env) throws Exception {
        try (env) {
            SingleFlight<String, String> sf = env.guard.newSingleFlight("fail", Duration.ofHours(1));
            CompletableFuture<String> work = new CompletableFuture<>();
            CompletionStage<String> a = sf.execute("k", () -> work);
            CompletionStage<String> b = sf.execute("k", () -> CompletableFuture.completedFuture("never"));
            env.settle(() -> sf.inFlight() == 1);
            work.completeExceptionally(new IllegalStateException("db down"));
            assertThat(env.failure(a)).isInstanceOf(IllegalStateException.class).hasMessage("db down");
            assertThat(env.failure(b)).isInstanceOf(IllegalStateException.class).hasMessage("db down");
            assertThat(sf.inFlight()).isZero();
            assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture("ok")))).isEqualTo("ok");
            CompletionStage<String> thrown = sf.execute("t", () -> {
                throw new IllegalArgumentException("thrown");
            });
            assertThat(env.failure(thrown)).isInstanceOf(IllegalArgumentException.class).hasMessage("thrown");
            CompletionStage<String> nullStage = sf.execute("n", () -> null);
            assertThat(env.failure(nullStage)).isInstanceOf(NullPointerException.class).hasMessageContaining("fail")
                    .hasMessageContaining("'n'");
        }
    }

    @Test
    void cancel_oneCaller_doesNotCancelTheExecutionForOthers() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("cancel");
        CompletableFuture<String> work = new CompletableFuture<>();
        CompletableFuture<String> leader = sf.execute("k", () -> work).toCompletableFuture();
        CompletableFuture<String> joiner = sf.execute("k", () -> work).toCompletableFuture();
        env.manual.runUntilIdle();
        leader.cancel(true);
        assertThat(work).isNotCancelled();
        assertThat(joiner).isNotDone();
        work.complete("v");
        assertThat(joiner.join()).isEqualTo("v");
        assertThat(leader).isCancelled();
        assertThatThrownBy(leader::join).isInstanceOf(CancellationException.class);
    }

    @Test
    void executeWithTimeout_expires_failsOnlyThatCaller() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("slow");
        CompletableFuture<String> work = new CompletableFuture<>();
        CompletionStage<String> impatient = sf.execute("report", Duration.ofSeconds(1), () -> work);
        CompletionStage<String> patient = sf.execute("report", () -> work);
        env.manual.advance(Duration.ofSeconds(1));
        assertThat(env.failure(impatient)).isInstanceOf(GuardTimeoutException.class)
                .hasMessageContaining("slow").hasMessageContaining("report").hasMessageContaining("PT1S");
        assertThat(sf.inFlight()).isEqualTo(1);
        work.complete("r");
        assertThat(env.await(patient)).isEqualTo("r");
        // A timed caller served in time leaves no timer behind.
        CompletionStage<String> quick = sf.execute("q", Duration.ofSeconds(5), () -> CompletableFuture.completedFuture("q"));
        assertThat(env.await(quick)).isEqualTo("q");
        assertThat(env.manual.pendingTimers()).isZero();
    }

    @Test
    void successTtl_cachesForTheTtlOnTheSchedulerClock() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, Integer> sf = env.guard.newSingleFlight("ttl", Duration.ofSeconds(10));
        AtomicInteger executions = new AtomicInteger();
        assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture(executions.incrementAndGet()))))
                .isEqualTo(1);
        env.manual.advance(Duration.ofSeconds(9));
        assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture(executions.incrementAndGet()))))
                .isEqualTo(1);
        env.manual.advance(Duration.ofSeconds(1));
        assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture(executions.incrementAndGet()))))
                .isEqualTo(2);
        assertThat(executions.get()).isEqualTo(2);
    }

    @Test
    void forget_inFlight_newCallStartsNewExecutionWhileOldWaitersGetOldResult() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("forget", Duration.ofMinutes(5));
        CompletableFuture<String> oldWork = new CompletableFuture<>();
        CompletionStage<String> old = sf.execute("k", () -> oldWork);
        env.manual.runUntilIdle();
        sf.forget("k");
        CompletableFuture<String> newWork = new CompletableFuture<>();
        CompletionStage<String> fresh = sf.execute("k", () -> newWork);
        env.manual.runUntilIdle();
        assertThat(sf.inFlight()).isEqualTo(1);
        oldWork.complete("old");
        assertThat(env.await(old)).isEqualTo("old");
        newWork.complete("new");
        assertThat(env.await(fresh)).isEqualTo("new");
        // The forgotten execution did not overwrite the cache: "new" is cached.
        assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture("third")))).isEqualTo("new");
        sf.forget("k");
        assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture("fourth")))).isEqualTo("fourth");
    }

    @Test
    void forget_detachedExecutionCompletingLater_isNotCached() throws Exception {
        Env.Manual env = new Env.Manual();
        SingleFlight<String, String> sf = env.guard.newSingleFlight("forget2", Duration.ofMinutes(5));
        CompletableFuture<String> oldWork = new CompletableFuture<>();
        sf.execute("k", () -> oldWork);
        env.manual.runUntilIdle();
        sf.forget("k");
        oldWork.complete("stale");
        assertThat(env.await(sf.execute("k", () -> CompletableFuture.completedFuture("fresh")))).isEqualTo("fresh");
    }

    @Test
    void burst_thousandConcurrentCallers_oneExecutionEveryoneServed() throws Exception {
        try (Env env = Env.real()) {
            SingleFlight<String, String> sf = env.guard.newSingleFlight("burst");
            AtomicInteger executions = new AtomicInteger();
            CompletableFuture<String> work = new CompletableFuture<>();
            List<CompletionStage<String>> callers = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 1000; t++) {
                threads.add(Thread.ofVirtual().start(() -> {
                    CompletionStage<String> s = sf.execute("hot", () -> {
                        executions.incrementAndGet();
                        return work;
                    });
                    synchronized (callers) {
                        callers.add(s);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            work.complete("v");
            for (CompletionStage<String> c : callers) {
                assertThat(env.await(c)).isEqualTo("v");
            }
            assertThat(failure.get()).isNull();
            assertThat(executions.get()).isEqualTo(1);
        }
    }

    @Test
    void arguments_validated() {
        Env env = Env.manual();
        assertThatThrownBy(() -> env.guard.newSingleFlight("x", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("successTtl").hasMessageContaining("x");
        SingleFlight<String, String> sf = env.guard.newSingleFlight("args");
        assertThatThrownBy(() -> sf.execute(null, () -> null)).isInstanceOf(NullPointerException.class).hasMessage("key");
        assertThatThrownBy(() -> sf.execute("k", null)).isInstanceOf(NullPointerException.class).hasMessage("work");
    }
}
