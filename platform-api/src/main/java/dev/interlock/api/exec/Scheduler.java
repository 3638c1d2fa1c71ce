package dev.interlock.api.exec;

import dev.interlock.internal.exec.SystemScheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The one source of time and execution for guards, plugins and protocol state machines.
 *
 * <p>Nothing in Interlock reads the system clock, sleeps, or submits to a global pool on its own: it asks the
 * {@code Scheduler} it was given. In production the host binds {@link #system(Executor)} (virtual threads and the
 * system clock); in a test the testkit binds its seeded deterministic scheduler with a virtual clock, and the same
 * code then runs one reproducible interleaving per seed.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link #execute(Runnable)} runs the task later, never on the calling thread's stack, and exactly once
 *       unless the scheduler is shut down (then it throws {@link java.util.concurrent.RejectedExecutionException}).
 *   <li>{@link #schedule(Runnable, Duration)} runs the task no earlier than {@code delay} after the call, as measured
 *       by {@link #nanoTime()}; a task whose {@link Cancellable#cancel()} returned {@code true} never runs.
 *   <li>{@link #nanoTime()} is monotonic (never decreases) and is the only time source for timeouts.
 *       {@link #clock()} is the wall-clock view for timestamps shown to people; it may jump.
 *   <li>Memory effects: actions in a thread before it submits a task happen-before the task runs.
 * </ul>
 */
public interface Scheduler extends Executor {

    /** Wall-clock time for timestamps (records, logs, messages). Never use it to measure timeouts. */
    Clock clock();

    /** Monotonic time in nanoseconds, for timeouts and durations; the origin is arbitrary. */
    long nanoTime();

    /**
     * Runs {@code task} on this scheduler's executor after {@code delay}.
     *
     * @param task  the action; exceptions it throws are reported to the scheduler's uncaught-exception handling and
     *              do not affect other tasks
     * @param delay how long to wait; zero or negative means "as soon as possible"
     * @return a handle whose {@code cancel()} prevents the task from running if it has not started
     */
    Cancellable schedule(Runnable task, Duration delay);

    /**
     * The production scheduler: tasks run on {@code executor}, delays are measured with {@link System#nanoTime()}
     * by a single daemon timer thread that only hands tasks over (it never runs them), and {@link #clock()} is
     * {@link Clock#systemUTC()}.
     */
    static Scheduler system(Executor executor) {
        return new SystemScheduler(executor);
    }

    /** {@link #system(Executor)} over a new virtual thread per task. */
    static Scheduler virtualThreads() {
        return SystemScheduler.virtualThreads();
    }
}
