package dev.interlock.internal.guard;

import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.KeyedOperationQueue;
import dev.interlock.api.guard.QueueFullException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KeyedOperationQueueTest {

    static Stream<Env> envs() {
        return Stream.of(Env.manual(), Env.real());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void differentKeys_runIndependently_sameKeyWaits(Env env) throws Exception {
        try (env) {
            KeyedOperationQueue<String> q = env.guard.newKeyedOperationQueue("sessions", 10);
            CompletableFuture<String> blockA = new CompletableFuture<>();
            List<String> started = new CopyOnWriteArrayList<>();
            CompletionStage<String> a1 = q.submit("a", () -> {
                started.add("a1");
                return blockA;
            });
            CompletionStage<String> a2 = q.call("a", () -> {
                started.add("a2");
                return "a2";
            });
            CompletionStage<String> b1 = q.call("b", () -> {
                started.add("b1");
                return "b1";
            });
            assertThat(env.await(b1)).isEqualTo("b1");
            env.settle(() -> started.contains("a1"));
            assertThat(started).doesNotContain("a2");
            env.settle(() -> q.activeLanes() == 1); // b's lane retires right after its operation completed
            blockA.complete("a1");
            assertThat(env.await(a1)).isEqualTo("a1");
            assertThat(env.await(a2)).isEqualTo("a2");
            env.settle(() -> q.activeLanes() == 0);
        }
    }

    @Test
    void capacityPerKey_rejectsNamingQueueKeyAndLimit() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedOperationQueue<String> q = env.guard.newKeyedOperationQueue("flush", 1);
        q.submit("room-7", CompletableFuture::new);
        env.manual.runUntilIdle();
        q.call("room-7", () -> "waits");
        Throwable failure = env.failure(q.call("room-7", () -> "rejected"));
        assertThat(failure).isInstanceOf(QueueFullException.class).hasMessageContaining("flush")
                .hasMessageContaining("room-7").hasMessageContaining("capacity 1");
        assertThat(env.await(q.call("room-8", () -> "other key"))).isEqualTo("other key");
    }

    @Test
    void millionDistinctKeys_leaveNoLanes() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedOperationQueue<Integer> q = env.guard.newKeyedOperationQueue("million", 4);
        AtomicInteger ran = new AtomicInteger();
        for (int i = 0; i < 1_000_000; i++) {
            q.run(i, ran::incrementAndGet);
            if ((i & 1023) == 0) {
                env.manual.runUntilIdle();
            }
        }
        env.manual.runUntilIdle();
        assertThat(ran.get()).isEqualTo(1_000_000);
        assertThat(q.activeLanes()).isZero();
    }

    @Test
    void close_failsWaitingRunningFinishesTerminatedAfter() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedOperationQueue<String> q = env.guard.newKeyedOperationQueue("rooms", 10);
        CompletableFuture<String> inner = new CompletableFuture<>();
        CompletionStage<String> running = q.submit("a", () -> inner);
        env.manual.runUntilIdle();
        CompletionStage<String> waiting = q.call("a", () -> "never");
        q.close();
        assertThat(env.failure(waiting)).isInstanceOf(GuardClosedException.class).hasMessageContaining("rooms");
        assertThat(env.failure(q.call("b", () -> "late"))).isInstanceOf(GuardClosedException.class);
        CompletableFuture<Void> terminated = q.terminated().toCompletableFuture();
        assertThat(terminated).isNotDone();
        inner.complete("done");
        assertThat(env.await(running)).isEqualTo("done");
        env.manual.runUntilIdle();
        assertThat(terminated).isCompleted();
        assertThat(q.activeLanes()).isZero();
    }

    @Test
    void cancel_beforeStart_neverInvoked() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedOperationQueue<String> q = env.guard.newKeyedOperationQueue("c", 10);
        CompletableFuture<String> inner = new CompletableFuture<>();
        q.submit("k", () -> inner);
        env.manual.runUntilIdle();
        AtomicInteger invoked = new AtomicInteger();
        q.run("k", invoked::incrementAndGet).toCompletableFuture().cancel(false);
        inner.complete("x");
        env.manual.runUntilIdle();
        assertThat(invoked.get()).isZero();
        assertThat(q.activeLanes()).isZero();
    }

    @Test
    void arguments_validated() {
        Env env = Env.manual();
        assertThatThrownBy(() -> env.guard.newKeyedOperationQueue("kq", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capacityPerKey");
        KeyedOperationQueue<String> q = env.guard.newKeyedOperationQueue("kq", 1);
        assertThatThrownBy(() -> q.run(null, () -> { })).isInstanceOf(NullPointerException.class).hasMessage("key");
    }
}
