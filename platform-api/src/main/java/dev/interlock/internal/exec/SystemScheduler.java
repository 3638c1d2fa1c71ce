package dev.interlock.internal.exec;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Production {@link Scheduler}: one shared daemon timer thread measures delays and hands each due task to the
 * scheduler's executor; the timer thread never runs user code, so a slow task cannot delay other timers.
 */
public final class SystemScheduler implements Scheduler {

    /** Shared by every system scheduler in the JVM: it only waits and hands over, so one thread is enough. */
    private static final ScheduledThreadPoolExecutor TIMER = newTimer();

    private final Executor executor;
    private final Clock clock = Clock.systemUTC();

    public SystemScheduler(Executor executor) {
        this.executor = Objects.requireNonNull(executor, "executor");
    }

    public static Scheduler virtualThreads() {
        return new SystemScheduler(Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("interlock-", 0).factory()));
    }

    private static ScheduledThreadPoolExecutor newTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("interlock-timer").factory());
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void execute(Runnable command) {
        executor.execute(command);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        long nanos = Math.max(0, delay.toNanos());
        AtomicBoolean state = new AtomicBoolean(); // true once started or cancelled
        Runnable guarded = () -> {
            if (state.compareAndSet(false, true)) {
                task.run();
            }
        };
        if (nanos == 0) {
            executor.execute(guarded);
            return () -> state.compareAndSet(false, true);
        }
        ScheduledFuture<?> future = TIMER.schedule(() -> executor.execute(guarded), nanos, TimeUnit.NANOSECONDS);
        return () -> {
            boolean won = state.compareAndSet(false, true);
            if (won) {
                future.cancel(false);
            }
            return won;
        };
    }

    @Override
    public String toString() {
        return "SystemScheduler[" + executor + "]";
    }
}
