package dev.interlock.testkit;

import dev.interlock.api.exec.Cancellable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DeterministicSchedulerTest {

    /** Three "threads" of five tasks each, plus timers: the interleaving is what the seed decides. */
    private static List<String> trace(long seed) {
        DeterministicScheduler s = new DeterministicScheduler(seed);
        List<String> trace = new ArrayList<>();
        for (String worker : List.of("a", "b", "c")) {
            s.execute(chain(s, trace, worker, 0));
        }
        s.schedule(() -> trace.add("t1"), Duration.ofMillis(1));
        s.schedule(() -> trace.add("t2"), Duration.ofMillis(1));
        s.runUntilIdle();
        return trace;
    }

    private static Runnable chain(DeterministicScheduler s, List<String> trace, String worker, int i) {
        return () -> {
            trace.add(worker + i);
            if (i < 4) {
                s.execute(chain(s, trace, worker, i + 1));
            }
        };
    }

    @Test
    void runUntilIdle_sameSeed_identicalTrace() {
        for (long seed = 0; seed < 50; seed++) {
            assertThat(trace(seed)).as("seed %d", seed).isEqualTo(trace(seed)).hasSize(17);
        }
    }

    @Test
    void runUntilIdle_differentSeeds_differentInterleavings() {
        Set<List<String>> distinct = new HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            distinct.add(trace(seed));
        }
        assertThat(distinct).as("distinct interleavings of 200 seeds").hasSizeGreaterThan(150);
    }

    @Test
    void runUntilIdle_twoReadyTasks_bothOrdersOccurAcrossSeeds() {
        Set<String> orders = new HashSet<>();
        for (long seed = 0; seed < 64; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            StringBuilder order = new StringBuilder();
            s.execute(() -> order.append('x'));
            s.execute(() -> order.append('y'));
            s.runUntilIdle();
            orders.add(order.toString());
        }
        assertThat(orders).containsExactlyInAnyOrder("xy", "yx");
    }

    @Test
    void execute_neverRunsOnCallerStack() {
        DeterministicScheduler s = new DeterministicScheduler(1);
        AtomicBoolean ran = new AtomicBoolean();
        s.execute(() -> ran.set(true));
        assertThat(ran).isFalse();
        assertThat(s.step()).isTrue();
        assertThat(ran).isTrue();
        assertThat(s.step()).isFalse();
    }

    @Test
    void schedule_timer_runsExactlyAtDeadlineOnVirtualClock() {
        DeterministicScheduler s = new DeterministicScheduler(2);
        AtomicLong ranAt = new AtomicLong(-1);
        s.schedule(() -> ranAt.set(s.nanoTime()), Duration.ofMillis(250));
        assertThat(s.runUntilIdle()).isEqualTo(1);
        assertThat(ranAt.get()).isEqualTo(Duration.ofMillis(250).toNanos());
        assertThat(s.clock().instant()).isEqualTo(Instant.parse("2026-01-01T00:00:00.250Z"));
    }

    @Test
    void schedule_differentDeadlines_runInDeadlineOrder() {
        for (long seed = 0; seed < 20; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            List<Integer> order = new ArrayList<>();
            for (int ms : new int[] {5, 1, 4, 2, 3}) {
                s.schedule(() -> order.add(ms), Duration.ofMillis(ms));
            }
            s.runUntilIdle();
            assertThat(order).as("seed %d", seed).containsExactly(1, 2, 3, 4, 5);
        }
    }

    @Test
    void schedule_equalDeadlines_orderChosenBySeed() {
        Set<String> orders = new HashSet<>();
        for (long seed = 0; seed < 64; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            StringBuilder order = new StringBuilder();
            s.schedule(() -> order.append('1'), Duration.ofMillis(3));
            s.schedule(() -> order.append('2'), Duration.ofMillis(3));
            s.schedule(() -> order.append('3'), Duration.ofMillis(3));
            s.runUntilIdle();
            orders.add(order.toString());
            DeterministicScheduler again = new DeterministicScheduler(seed);
            StringBuilder replay = new StringBuilder();
            again.schedule(() -> replay.append('1'), Duration.ofMillis(3));
            again.schedule(() -> replay.append('2'), Duration.ofMillis(3));
            again.schedule(() -> replay.append('3'), Duration.ofMillis(3));
            again.runUntilIdle();
            assertThat(replay.toString()).isEqualTo(order.toString());
        }
        assertThat(orders).hasSize(6);
    }

    @Test
    void nanoTime_readyTasksPending_timeDoesNotMove() {
        DeterministicScheduler s = new DeterministicScheduler(3);
        List<Long> seenTimes = new ArrayList<>();
        AtomicInteger left = new AtomicInteger(100);
        Runnable spin = new Runnable() {
            @Override
            public void run() {
                seenTimes.add(s.nanoTime());
                if (left.decrementAndGet() > 0) {
                    s.execute(this);
                }
            }
        };
        AtomicLong timerAt = new AtomicLong(-1);
        AtomicInteger spinsBeforeTimer = new AtomicInteger();
        s.schedule(() -> {
            timerAt.set(s.nanoTime());
            spinsBeforeTimer.set(seenTimes.size());
        }, Duration.ofNanos(1));
        s.execute(spin);
        s.runUntilIdle();
        assertThat(seenTimes).hasSize(100).containsOnly(0L);
        assertThat(spinsBeforeTimer.get()).isEqualTo(100);
        assertThat(timerAt.get()).isEqualTo(1L);
    }

    @Test
    void clock_startsAt2026AndMovesOnlyWithVirtualTime() {
        DeterministicScheduler s = new DeterministicScheduler(4);
        assertThat(s.clock().instant()).isEqualTo(DeterministicScheduler.START)
                .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(s.nanoTime()).isZero();
        s.advanceTime(Duration.ofSeconds(90));
        assertThat(s.clock().instant()).isEqualTo(Instant.parse("2026-01-01T00:01:30Z"));
        assertThat(s.clock().millis()).isEqualTo(Instant.parse("2026-01-01T00:01:30Z").toEpochMilli());
        assertThat(s.nanoTime()).isEqualTo(Duration.ofSeconds(90).toNanos());
        assertThat(s.elapsed()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void advanceTime_negative_rejectedWithMessage() {
        DeterministicScheduler s = new DeterministicScheduler(5);
        assertThatThrownBy(() -> s.advanceTime(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> s.runFor(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void advanceTime_makesDueTimersReadyWithoutRunningThem() {
        DeterministicScheduler s = new DeterministicScheduler(6);
        AtomicInteger ran = new AtomicInteger();
        s.schedule(ran::incrementAndGet, Duration.ofMillis(1));
        s.schedule(ran::incrementAndGet, Duration.ofMillis(2));
        s.schedule(ran::incrementAndGet, Duration.ofMillis(10));
        s.advanceTime(Duration.ofMillis(5));
        assertThat(ran).hasValue(0);
        assertThat(s.readyCount()).isEqualTo(2);
        assertThat(s.pending()).isEqualTo(3);
        s.step();
        s.step();
        assertThat(ran).hasValue(2);
        assertThat(s.nanoTime()).isEqualTo(Duration.ofMillis(5).toNanos());
    }

    @Test
    void runFor_firesTimersWithinWindowThenLeavesClockAtEnd() {
        DeterministicScheduler s = new DeterministicScheduler(7);
        List<Long> fired = new ArrayList<>();
        for (int ms = 1; ms <= 5; ms++) {
            s.schedule(() -> fired.add(s.nanoTime() / 1_000_000), Duration.ofMillis(ms));
        }
        s.runFor(Duration.ofMillis(3));
        assertThat(fired).containsExactly(1L, 2L, 3L);
        assertThat(s.nanoTime()).isEqualTo(Duration.ofMillis(3).toNanos());
        s.runFor(Duration.ofMillis(10));
        assertThat(fired).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(s.elapsed()).isEqualTo(Duration.ofMillis(13));
    }

    @Test
    void cancel_beforeRun_preventsRunAndReturnsTrueOnce() {
        DeterministicScheduler s = new DeterministicScheduler(8);
        AtomicBoolean ran = new AtomicBoolean();
        Cancellable timer = s.schedule(() -> ran.set(true), Duration.ofSeconds(1));
        assertThat(timer.cancel()).isTrue();
        assertThat(timer.cancel()).isFalse();
        assertThat(s.pending()).isZero();
        assertThat(s.runUntilIdle()).isZero();
        assertThat(ran).isFalse();
        assertThat(s.nanoTime()).as("a cancelled timer does not move time").isZero();
    }

    @Test
    void cancel_dueTimerAndZeroDelayTask_stillPreventsRun() {
        DeterministicScheduler s = new DeterministicScheduler(9);
        AtomicInteger ran = new AtomicInteger();
        Cancellable due = s.schedule(ran::incrementAndGet, Duration.ofMillis(1));
        Cancellable immediate = s.schedule(ran::incrementAndGet, Duration.ZERO);
        Cancellable negative = s.schedule(ran::incrementAndGet, Duration.ofMillis(-5));
        s.advanceTime(Duration.ofMillis(1));
        assertThat(s.readyCount()).isEqualTo(3);
        assertThat(due.cancel()).isTrue();
        assertThat(immediate.cancel()).isTrue();
        s.runUntilIdle();
        assertThat(ran).hasValue(1);
        assertThat(negative.cancel()).as("already ran").isFalse();
    }

    @Test
    void cancel_afterStartOrFromInsideTheTask_returnsFalse() {
        DeterministicScheduler s = new DeterministicScheduler(10);
        Cancellable[] self = new Cancellable[1];
        AtomicBoolean cancelledFromInside = new AtomicBoolean(true);
        self[0] = s.schedule(() -> cancelledFromInside.set(self[0].cancel()), Duration.ofMillis(1));
        s.runUntilIdle();
        assertThat(cancelledFromInside).isFalse();
        assertThat(self[0].cancel()).isFalse();
    }

    @Test
    void runUntilIdle_taskThrows_assertionErrorNamesSeedAndStepWithCause() {
        DeterministicScheduler s = new DeterministicScheduler(11);
        IllegalStateException boom = new IllegalStateException("boom");
        s.execute(() -> { });
        s.execute(() -> {
            throw boom;
        });
        s.execute(() -> { });
        assertThatThrownBy(s::runUntilIdle)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("seed 11")
                .hasMessageMatching("(?s).*step [1-3].*")
                .hasMessageContaining("-Dinterlock.seed=11")
                .hasCause(boom);
        s.runUntilIdle();
        assertThat(s.steps()).isEqualTo(3);
    }

    @Test
    void runUntilIdle_livelock_exceedsStepBudget() {
        DeterministicScheduler s = new DeterministicScheduler(12);
        s.setStepBudget(1_000);
        Runnable forever = new Runnable() {
            @Override
            public void run() {
                s.execute(this);
            }

            @Override
            public String toString() {
                return "forever";
            }
        };
        s.execute(forever);
        assertThatThrownBy(s::runUntilIdle)
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("seed 12")
                .hasMessageContaining("step budget of 1000")
                .hasMessageContaining("forever");
        assertThat(s.steps()).isEqualTo(1_000);
        assertThatThrownBy(() -> s.runUntil(() -> false)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("step budget");
        assertThatThrownBy(() -> s.setStepBudget(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void runUntilIdle_exactlyBudgetSteps_passes() {
        DeterministicScheduler s = new DeterministicScheduler(13);
        s.setStepBudget(3);
        s.execute(() -> { });
        s.execute(() -> { });
        s.execute(() -> { });
        assertThat(s.runUntilIdle()).isEqualTo(3);
    }

    @Test
    void runUntil_conditionMet_returnsTrueAndStops() {
        DeterministicScheduler s = new DeterministicScheduler(14);
        AtomicInteger count = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            s.execute(count::incrementAndGet);
        }
        assertThat(s.runUntil(() -> count.get() == 4)).isTrue();
        assertThat(count).hasValue(4);
        assertThat(s.runUntil(() -> count.get() == 100)).isFalse();
        assertThat(count).hasValue(10);
    }

    @Test
    void runMethods_calledFromInsideTask_throwIllegalState() {
        DeterministicScheduler s = new DeterministicScheduler(15);
        s.execute(s::runUntilIdle);
        assertThatThrownBy(s::runUntilIdle).isInstanceOf(AssertionError.class)
                .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a task");
    }

    @Test
    void execute_fromManyThreads_everyTaskRunsOnce() throws InterruptedException {
        DeterministicScheduler s = new DeterministicScheduler(16);
        AtomicInteger ran = new AtomicInteger();
        int threads = 4;
        int perThread = 2_000;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            Thread.ofPlatform().start(() -> {
                for (int i = 0; i < perThread; i++) {
                    s.execute(ran::incrementAndGet);
                }
                done.countDown();
            });
        }
        done.await();
        assertThat(s.runUntilIdle()).isEqualTo(threads * perThread);
        assertThat(ran).hasValue(threads * perThread);
    }

    @Test
    void random_sameSeedSameSequence_independentOfScheduling() {
        DeterministicScheduler a = new DeterministicScheduler(17);
        DeterministicScheduler b = new DeterministicScheduler(17);
        for (int i = 0; i < 50; i++) {
            b.execute(() -> { });
        }
        b.runUntilIdle();
        for (int i = 0; i < 10; i++) {
            assertThat(a.random().nextLong()).isEqualTo(b.random().nextLong());
        }
        assertThat(new DeterministicScheduler(18).random().nextLong()).isNotEqualTo(
                new DeterministicScheduler(17).random().nextLong());
    }

    @Test
    void runReady_runsReadyChainsButNeverMovesTime() {
        DeterministicScheduler s = new DeterministicScheduler(19);
        AtomicInteger ran = new AtomicInteger();
        AtomicBoolean timerRan = new AtomicBoolean();
        s.schedule(() -> timerRan.set(true), Duration.ofMillis(1));
        s.execute(() -> {
            ran.incrementAndGet();
            s.execute(ran::incrementAndGet);
        });
        assertThat(s.runReady()).isEqualTo(2);
        assertThat(ran).hasValue(2);
        assertThat(timerRan).isFalse();
        assertThat(s.nanoTime()).isZero();
        assertThat(s.pending()).isEqualTo(1);
    }

    @Test
    void runFor_periodicTimer_firesOncePerPeriodWithinWindow() {
        DeterministicScheduler s = new DeterministicScheduler(20);
        List<Long> ticks = new ArrayList<>();
        Runnable tick = new Runnable() {
            @Override
            public void run() {
                ticks.add(s.nanoTime());
                s.schedule(this, Duration.ofSeconds(1));
            }
        };
        s.schedule(tick, Duration.ofSeconds(1));
        s.runFor(Duration.ofSeconds(5));
        assertThat(ticks).containsExactly(1_000_000_000L, 2_000_000_000L, 3_000_000_000L, 4_000_000_000L,
                5_000_000_000L);
        assertThat(s.pending()).isEqualTo(1);
    }
}
