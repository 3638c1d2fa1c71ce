package dev.interlock.internal.guard;

import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.guard.QueueFullException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OperationQueueTest {

    static Stream<Env> envs() {
        return Stream.of(Env.manual(), Env.real());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void submit_asyncOperations_runFifoAndOneAtATime(Env env) throws Exception {
        try (env) {
            OperationQueue q = env.guard.newOperationQueue("lane", 100);
            List<CompletableFuture<Integer>> stages = new ArrayList<>();
            List<Integer> started = new CopyOnWriteArrayList<>();
            List<CompletionStage<Integer>> results = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                int n = i;
                CompletableFuture<Integer> inner = new CompletableFuture<>();
                stages.add(inner);
                results.add(q.submit(() -> {
                    started.add(n);
                    return inner;
                }));
            }
            for (int i = 0; i < 5; i++) {
                int expected = i + 1;
                env.settle(() -> started.size() == expected);
                assertThat(started).hasSize(i + 1); // the next did not start before this stage completed
                stages.get(i).complete(i * 10);
                assertThat(env.await(results.get(i))).isEqualTo(i * 10);
            }
            assertThat(started).containsExactly(0, 1, 2, 3, 4);
        }
    }

    @Test
    void submit_operationRunsOnScheduler_notOnSubmitterStack() {
        Env.Manual env = new Env.Manual();
        OperationQueue q = env.guard.newOperationQueue("where", 10);
        AtomicInteger ran = new AtomicInteger();
        q.run(ran::incrementAndGet);
        assertThat(ran.get()).isZero();
        env.manual.runUntilIdle();
        assertThat(ran.get()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void failingOperation_failsItsCallerAndDoesNotPoisonTheLane(Env env) throws Exception {
        try (env) {
            OperationQueue q = env.guard.newOperationQueue("poison", 10);
            CompletionStage<String> thrown = q.call(() -> {
                throw new IllegalStateException("thrown");
            });
            CompletionStage<String> failed = q.submit(() -> CompletableFuture.failedFuture(new IllegalArgumentException("failed")));
            CompletionStage<Void> runThrows = q.run(() -> {
                throw new UnsupportedOperationException("run");
            });
            CompletionStage<String> nullStage = q.submit(() -> null);
            CompletionStage<String> ok = q.call(() -> "ok");
            assertThat(env.failure(thrown)).isInstanceOf(IllegalStateException.class).hasMessage("thrown");
            assertThat(env.failure(failed)).isInstanceOf(IllegalArgumentException.class).hasMessage("failed");
            assertThat(env.failure(runThrows)).isInstanceOf(UnsupportedOperationException.class);
            assertThat(env.failure(nullStage)).isInstanceOf(NullPointerException.class).hasMessageContaining("poison");
            assertThat(env.await(ok)).isEqualTo("ok");
        }
    }

    @Test
    void capacity_exceeded_rejectsNamingLaneAndLimit() throws Exception {
        Env.Manual env = new Env.Manual();
        OperationQueue q = env.guard.newOperationQueue("uploads", 2);
        CompletableFuture<String> blocker = new CompletableFuture<>();
        q.submit(() -> blocker);
        env.manual.runUntilIdle(); // the blocker is running, not counted
        q.call(() -> "a");
        q.call(() -> "b");
        assertThat(q.pending()).isEqualTo(2);
        CompletionStage<String> rejected = q.call(() -> "c");
        Throwable failure = env.failure(rejected);
        assertThat(failure).isInstanceOf(QueueFullException.class).hasMessageContaining("uploads")
                .hasMessageContaining("capacity 2");
        assertThat(((QueueFullException) failure).capacity()).isEqualTo(2);
        assertThat(q.capacity()).isEqualTo(2);
        assertThat(q.name()).isEqualTo("uploads");
        blocker.complete("x");
        env.manual.runUntilIdle();
        assertThat(q.pending()).isZero();
    }

    @Test
    void cancel_beforeStart_removesTheOperationAndFreesCapacity() throws Exception {
        Env.Manual env = new Env.Manual();
        OperationQueue q = env.guard.newOperationQueue("cancel", 1);
        CompletableFuture<String> blocker = new CompletableFuture<>();
        q.submit(() -> blocker);
        env.manual.runUntilIdle();
        AtomicInteger invoked = new AtomicInteger();
        CompletableFuture<String> victim = q.call(() -> {
            invoked.incrementAndGet();
            return "v";
        }).toCompletableFuture();
        assertThat(q.pending()).isEqualTo(1);
        assertThat(victim.cancel(false)).isTrue();
        assertThat(q.pending()).isZero();
        CompletionStage<String> next = q.call(() -> "next"); // capacity is free again
        blocker.complete("b");
        assertThat(env.await(next)).isEqualTo("next");
        assertThat(invoked.get()).isZero();
    }

    @Test
    void cancel_afterStart_laneStillWaitsForTheOperation() throws Exception {
        Env.Manual env = new Env.Manual();
        OperationQueue q = env.guard.newOperationQueue("started", 10);
        CompletableFuture<String> inner = new CompletableFuture<>();
        CompletableFuture<String> first = q.submit(() -> inner).toCompletableFuture();
        AtomicInteger secondRan = new AtomicInteger();
        q.run(secondRan::incrementAndGet);
        env.manual.runUntilIdle();
        first.cancel(true);
        env.manual.runUntilIdle();
        assertThat(secondRan.get()).isZero();
        inner.complete("late");
        env.manual.runUntilIdle();
        assertThat(secondRan.get()).isEqualTo(1);
    }

    @Test
    void close_failsPendingLetsRunningFinishAndThenTerminates() throws Exception {
        Env.Manual env = new Env.Manual();
        OperationQueue q = env.guard.newOperationQueue("closing", 10);
        CompletableFuture<String> inner = new CompletableFuture<>();
        CompletionStage<String> running = q.submit(() -> inner);
        env.manual.runUntilIdle();
        CompletionStage<String> pending = q.call(() -> "never");
        q.close();
        q.close(); // idempotent
        assertThat(env.failure(pending)).isInstanceOf(GuardClosedException.class).hasMessageContaining("closing");
        assertThat(env.failure(q.call(() -> "late"))).isInstanceOf(GuardClosedException.class)
                .hasMessageContaining("closing");
        CompletableFuture<Void> terminated = q.terminated().toCompletableFuture();
        assertThat(terminated).isNotDone();
        inner.complete("finished");
        assertThat(env.await(running)).isEqualTo("finished");
        env.manual.runUntilIdle();
        assertThat(terminated).isCompleted();
    }

    @Test
    void close_idleLane_terminatesAtOnce() {
        OperationQueue q = Env.manual().guard.newOperationQueue("idle", 1);
        q.close();
        assertThat(q.terminated().toCompletableFuture()).isCompleted();
    }

    @Test
    void manySynchronousOperations_runInBatchesPerSchedulerTask() {
        Env.Manual env = new Env.Manual();
        OperationQueue q = env.guard.newOperationQueue("batch", 10_000);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 1000; i++) {
            q.run(ran::incrementAndGet);
        }
        int tasks = env.manual.runUntilIdle();
        assertThat(ran.get()).isEqualTo(1000);
        assertThat(tasks).isLessThanOrEqualTo(1000 / Lane.BATCH + 1);
    }

    @Test
    void arguments_validated() {
        Env env = Env.manual();
        assertThatThrownBy(() -> env.guard.newOperationQueue("q", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity").hasMessageContaining("'q'").hasMessageContaining("0");
        OperationQueue q = env.guard.newOperationQueue("q", 1);
        assertThatThrownBy(() -> q.submit(null)).isInstanceOf(NullPointerException.class).hasMessage("operation");
    }
}
