package dev.interlock.internal.guard;

import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.Watch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WatchTest {

    static Stream<Env> envs() {
        return Stream.of(Env.manual(), Env.real());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("envs")
    void awaitAtLeast_lateWaiterSucceedsAndEarlyWaiterIsWoken(Env env) throws Exception {
        try (env) {
            Watch w = env.guard.newWatch("version", 0);
            CompletionStage<Long> early = w.awaitAtLeast(3);
            assertThat(w.advanceTo(5)).isEqualTo(5);
            assertThat(env.await(early)).isGreaterThanOrEqualTo(3L);
            assertThat(env.await(w.awaitAtLeast(4))).isEqualTo(5L); // arrived after the value passed 4
            assertThat(w.advanceTo(2)).isEqualTo(5); // monotonic
            assertThat(w.get()).isEqualTo(5);
            assertThat(w.increment()).isEqualTo(6);
        }
    }

    @Test
    void waiters_completedOnScheduler_notOnAdvancingStack() {
        Env.Manual env = new Env.Manual();
        Watch w = env.guard.newWatch("where", 0);
        CompletableFuture<Long> f = w.awaitAtLeast(1).toCompletableFuture();
        w.increment();
        assertThat(f).isNotDone();
        env.manual.runUntilIdle();
        assertThat(f).isCompletedWithValue(1L);
    }

    @Test
    void timeout_failsThatWaiterOnlyNamingTargetAndValue() throws Exception {
        Env.Manual env = new Env.Manual();
        Watch w = env.guard.newWatch("epoch", 7);
        CompletionStage<Long> timed = w.awaitAtLeast(10, Duration.ofSeconds(1));
        CompletionStage<Long> other = w.awaitAtLeast(10);
        env.manual.advance(Duration.ofSeconds(1));
        assertThat(env.failure(timed)).isInstanceOf(GuardTimeoutException.class).hasMessageContaining("epoch")
                .hasMessageContaining("10").hasMessageContaining("7");
        w.advanceTo(10);
        assertThat(env.await(other)).isEqualTo(10L);
        assertThat(((InJvmWatch) w).waiting()).isZero();
    }

    @Test
    void close_wakesEveryWaiterAndRejectsAdvance_reachedTargetsStillSucceed() throws Exception {
        Env.Manual env = new Env.Manual();
        Watch w = env.guard.newWatch("rekey", 1);
        List<CompletionStage<Long>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(w.awaitAtLeast(10 + i, Duration.ofHours(1)));
        }
        w.close();
        w.close();
        assertThat(w.isClosed()).isTrue();
        for (CompletionStage<Long> s : waiters) {
            assertThat(env.failure(s)).isInstanceOf(GuardClosedException.class).hasMessageContaining("rekey");
        }
        assertThat(env.manual.pendingTimers()).isZero();
        assertThat(env.failure(w.awaitAtLeast(2))).isInstanceOf(GuardClosedException.class);
        assertThat(env.await(w.awaitAtLeast(1))).isEqualTo(1L);
        assertThatThrownBy(() -> w.advanceTo(3)).isInstanceOf(GuardClosedException.class).hasMessageContaining("rekey");
        assertThatThrownBy(w::increment).isInstanceOf(GuardClosedException.class);
    }

    @Test
    void cancel_waiter_isWithdrawn() {
        Env.Manual env = new Env.Manual();
        Watch w = env.guard.newWatch("c", 0);
        w.awaitAtLeast(5).toCompletableFuture().cancel(false);
        assertThat(((InJvmWatch) w).waiting()).isZero();
    }

    @Test
    void concurrentAdvancersAndWaiters_noLostWakeup() throws Exception {
        try (Env env = Env.real()) {
            Watch w = env.guard.newWatch("race", 0);
            List<CompletionStage<Long>> waiters = new ArrayList<>();
            Thread advancer = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 20_000; i++) {
                    w.increment();
                }
            });
            for (int i = 1; i <= 20_000; i += 7) {
                waiters.add(w.awaitAtLeast(i));
            }
            advancer.join();
            for (CompletionStage<Long> s : waiters) {
                env.await(s);
            }
            assertThat(w.get()).isEqualTo(20_000);
        }
    }
}
