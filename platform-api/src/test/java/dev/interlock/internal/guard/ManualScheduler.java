package dev.interlock.internal.guard;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * A tiny single-threaded scheduler with a virtual clock for platform-api's own tests (the testkit's
 * DeterministicScheduler depends on this module, so it cannot be used here). Tasks run only inside
 * {@link #runUntilIdle()} / {@link #advance(Duration)}, on the calling thread, in FIFO order; timers fire in due
 * order as virtual time advances. {@link #execute} and {@link #schedule} are thread-safe.
 */
final class ManualScheduler implements Scheduler {

    private static final Instant EPOCH = Instant.parse("2026-01-01T00:00:00Z");

    private final ArrayDeque<Runnable> ready = new ArrayDeque<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private long now;
    private long timerSequence;
    private int executed;

    @Override
    public synchronized void execute(Runnable command) {
        ready.add(command);
    }

    @Override
    public synchronized Cancellable schedule(Runnable task, Duration delay) {
        Timer t = new Timer(now + Math.max(0, delay.toNanos()), timerSequence++, task);
        timers.add(t);
        return () -> {
            synchronized (ManualScheduler.this) {
                return timers.remove(t);
            }
        };
    }

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public Clock clock() {
        return new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return EPOCH.plusNanos(nanoTime());
            }
        };
    }

    /** Runs ready tasks (and timers due now) until none is left; returns how many ran. */
    int runUntilIdle() {
        int ran = 0;
        while (true) {
            Runnable r;
            synchronized (this) {
                r = ready.poll();
                if (r == null) {
                    Timer due = timers.peek();
                    if (due != null && due.due <= now) {
                        timers.poll();
                        r = due.task;
                    }
                }
            }
            if (r == null) {
                return ran;
            }
            r.run();
            ran++;
            synchronized (this) {
                executed++;
            }
            if (ran > 10_000_000) {
                throw new AssertionError("ManualScheduler: more than 10,000,000 tasks without going idle");
            }
        }
    }

    /** Moves virtual time forward by {@code d}, firing due timers in order and running what they make ready. */
    void advance(Duration d) {
        long target;
        synchronized (this) {
            target = now + d.toNanos();
        }
        runUntilIdle();
        while (true) {
            Timer t;
            synchronized (this) {
                t = timers.peek();
                if (t == null || t.due > target) {
                    now = target;
                    break;
                }
                timers.poll();
                now = Math.max(now, t.due);
            }
            t.task.run();
            runUntilIdle();
        }
        runUntilIdle();
    }

    synchronized int pendingTimers() {
        return timers.size();
    }

    synchronized int readyTasks() {
        return ready.size();
    }

    @Override
    public String toString() {
        return "ManualScheduler[now=" + now + "ns]";
    }

    private record Timer(long due, long seq, Runnable task) implements Comparable<Timer> {
        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(due, o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
