package dev.interlock.testkit;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * A seeded, single-threaded {@link Scheduler} with a virtual clock: the same code that runs on virtual threads in
 * production runs here one reproducible interleaving per seed.
 *
 * <h2>Model</h2>
 * Work is either <em>ready</em> (submitted with {@link #execute(Runnable)}, or a timer that has come due) or a
 * <em>timer</em> waiting for the virtual clock ({@link #schedule(Runnable, Duration)} with a positive delay). Each
 * step runs exactly one ready task, chosen uniformly at random among all ready tasks by a generator seeded from
 * {@link #seed()}. This is how interleavings are explored: two tasks that are ready at the same time run in either
 * order depending on the seed, as they might on a real multi-threaded executor. When no task is ready, virtual time
 * jumps to the earliest timer's deadline and every timer due by then becomes ready.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Determinism.</b> Which task runs at each step, the timer order, {@link #random()} and every
 *       {@link SimulatedLink} opened on this scheduler are pure functions of the seed and of the sequence of calls
 *       made on this scheduler (and on its links). Same seed and same code: same trace, step for step. The guarantee
 *       holds as long as all submissions come from tasks or from the thread driving the run methods, and the code
 *       under test draws no randomness or time from anywhere else.
 *   <li><b>No ordering among ready tasks.</b> Nothing is FIFO: two {@code execute} calls made one after the other
 *       may run in either order. (That is what the {@link Scheduler} contract promises, and code that silently
 *       relies on submission order is exactly what this scheduler exposes.)
 *   <li><b>Timers.</b> A timer never runs before its deadline. Timers with equal deadlines become ready together and
 *       run in seeded order. When time jumps to a deadline only the timers due by then become ready, so timers with
 *       different deadlines run in deadline order when driven by {@link #step()}, {@link #runUntilIdle()},
 *       {@link #runUntil(BooleanSupplier)} and {@link #runFor(Duration)}. {@link #advanceTime(Duration)} makes every
 *       timer due by the new time ready at once (like a process that wakes up late), and those then run in seeded
 *       order among the other ready tasks.
 *   <li><b>Virtual time.</b> Time starts at {@link #START} ({@link #nanoTime()} {@code == 0}) and moves only when no
 *       task is ready and a run method jumps to the next timer, or when {@link #runFor(Duration)} or
 *       {@link #advanceTime(Duration)} is called. It never moves while a task runs, and never moves backwards. The
 *       {@link #clock()} is in UTC and reads the same virtual time.
 *   <li><b>Cancellation.</b> {@link Cancellable#cancel()} on the handle from {@code schedule} returns {@code true} and
 *       removes the task if it has neither started nor been cancelled (also when it is already due and ready);
 *       otherwise it returns {@code false}. A cancelled task never runs.
 *   <li><b>Failures.</b> A task that throws makes the run method that ran it throw an {@link AssertionError} naming
 *       the seed and the step, with the exception as its cause; the remaining tasks stay queued.
 *   <li><b>Livelock guard.</b> Each call of a run method runs at most {@link #stepBudget()} steps (default
 *       {@value #DEFAULT_STEP_BUDGET}) and then throws an {@link AssertionError} naming the seed.
 * </ul>
 *
 * <h2>Threading</h2>
 * Tasks run on the thread that calls the run methods ({@link #step()}, {@link #runUntilIdle()}, {@link #runReady()},
 * {@link #runUntil(BooleanSupplier)}, {@link #runFor(Duration)}), one at a time; that thread is the only one that
 * should drive the scheduler, and a task must not call a run method itself (that throws
 * {@link IllegalStateException}). Tasks must not block: a real sleep or join inside a task stalls the whole
 * simulation, since nothing else runs meanwhile. {@link #execute(Runnable)}, {@link #schedule(Runnable, Duration)},
 * {@link #nanoTime()}, {@link #clock()} and the query methods are thread-safe; actions of a thread before it submits
 * a task happen-before the task runs. Submissions from other threads are accepted but break determinism.
 */
public final class DeterministicScheduler implements Scheduler {

    /** Where the virtual {@link #clock()} starts: 2026-01-01T00:00:00Z. */
    public static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    /** Steps one run-method call may take before it is declared a livelock. */
    public static final long DEFAULT_STEP_BUDGET = 10_000_000L;

    /*
     * Design. The ready set is an ArrayList from which a uniformly random index is removed by swapping the last
     * element into its place: O(1) per step and a deterministic function of the seed and of the sequence of
     * insertions. Timers sit in a priority queue ordered by (deadline, seeded tie-break, sequence number); when
     * time moves, due timers are moved into the ready set in that order. Randomness is split into three
     * independent streams derived from the seed (scheduling choices, the scenario's random(), links), so that a
     * scenario drawing one more random number does not reshuffle the schedule, and vice versa.
     *
     * All state is guarded by `lock`; tasks run outside it, so a task may submit further tasks.
     */

    private final long seed;
    private final Object lock = new Object();
    private final SplittableRandom schedulingRandom;
    private final SplittableRandom scenarioRandom;
    private final SplittableRandom linkRandom;
    private final List<Task> ready = new ArrayList<>();
    private final PriorityQueue<Task> timers = new PriorityQueue<>(DeterministicScheduler::compareTimers);
    private final Clock clock = new VirtualClock(ZoneOffset.UTC);

    private volatile long now;
    private long steps;
    private long sequence;
    private long stepBudget = DEFAULT_STEP_BUDGET;
    private Thread runner;

    /** A scheduler whose every choice derives from {@code seed}. */
    public DeterministicScheduler(long seed) {
        this.seed = seed;
        SplittableRandom root = new SplittableRandom(seed);
        this.schedulingRandom = root.split();
        this.scenarioRandom = root.split();
        this.linkRandom = root.split();
    }

    /** The seed this scheduler was created with; pass it to {@link RaceHarness#replay} to run the same schedule. */
    public long seed() {
        return seed;
    }

    /**
     * The scenario's source of randomness (message sizes, link options, which side closes first ...). Seeded, and
     * independent of the scheduling choices. Not thread-safe: use it from tasks or from the driving thread.
     */
    public RandomGenerator random() {
        return scenarioRandom;
    }

    /** A fresh generator for a simulated link, split off a stream of its own (not from {@link #random()}). */
    SplittableRandom newLinkRandom() {
        synchronized (lock) {
            return linkRandom.split();
        }
    }

    // ---------------------------------------------------------------- Scheduler

    /** The virtual wall clock (UTC): {@link #START} plus the virtual time elapsed. */
    @Override
    public Clock clock() {
        return clock;
    }

    /** Virtual nanoseconds since this scheduler was created (starts at 0). */
    @Override
    public long nanoTime() {
        return now;
    }

    /**
     * Adds {@code command} to the ready set; it runs at some later step, in an order chosen by the seed. Never runs
     * it on the caller's stack. Thread-safe.
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "command");
        synchronized (lock) {
            ready.add(new Task(command, now, 0, sequence++));
        }
    }

    /**
     * A timer on the virtual clock: {@code task} becomes ready once virtual time has advanced by {@code delay}; a zero
     * or negative delay makes it ready at once. Thread-safe.
     *
     * @return a handle whose {@code cancel()} returns {@code true} exactly when it stopped the task from ever running
     */
    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(delay, "delay");
        long nanos = saturatedNanos(delay);
        synchronized (lock) {
            Task t;
            if (nanos <= 0) {
                t = new Task(task, now, 0, sequence++);
                ready.add(t);
            } else {
                long deadline = now + nanos < now ? Long.MAX_VALUE : now + nanos;
                t = new Task(task, deadline, schedulingRandom.nextLong(), sequence++);
                timers.add(t);
            }
            return t;
        }
    }

    // ---------------------------------------------------------------- run methods

    /**
     * Runs one ready task; if none is ready, first moves virtual time to the next timer's deadline.
     *
     * @return {@code true} if a task ran, {@code false} if there was nothing to run (no ready task and no timer)
     * @throws AssertionError        if the task threw (naming the seed and step; the exception is the cause)
     * @throws IllegalStateException if called from inside a task
     */
    public boolean step() {
        enter("step()");
        try {
            return runOne(true);
        } finally {
            exit();
        }
    }

    /**
     * Runs tasks, jumping virtual time from timer to timer, until no task is ready and no timer is left.
     * A periodic timer (a task that schedules itself again) keeps the scheduler from ever going idle, so this method
     * would end at the step budget: drive such systems with {@link #runFor(Duration)},
     * {@link #runUntil(BooleanSupplier)} or {@link #runReady()} instead.
     *
     * @return the number of steps run
     * @throws AssertionError        if a task threw, or if {@link #stepBudget()} steps were not enough
     * @throws IllegalStateException if called from inside a task
     */
    public int runUntilIdle() {
        enter("runUntilIdle()");
        try {
            long budget = stepBudget;
            long ran = 0;
            while (runOne(true)) {
                ran++;
                if (ran >= budget && hasWork()) {
                    throw budgetExceeded("runUntilIdle()", budget);
                }
            }
            return (int) Math.min(Integer.MAX_VALUE, ran);
        } finally {
            exit();
        }
    }

    /**
     * Runs ready tasks, and the tasks they submit, until none is ready, without moving virtual time: timers that are
     * not yet due stay pending.
     *
     * @return the number of steps run
     * @throws AssertionError        if a task threw, or if {@link #stepBudget()} steps were not enough
     * @throws IllegalStateException if called from inside a task
     */
    public int runReady() {
        enter("runReady()");
        try {
            long budget = stepBudget;
            long ran = 0;
            while (runOne(false)) {
                ran++;
                if (ran >= budget && readyCount() > 0) {
                    throw budgetExceeded("runReady()", budget);
                }
            }
            return (int) Math.min(Integer.MAX_VALUE, ran);
        } finally {
            exit();
        }
    }

    /**
     * Runs tasks (jumping virtual time to timers when nothing is ready) until {@code done} returns {@code true}.
     * {@code done} is checked before the first step and after every step, on the calling thread.
     *
     * @return {@code true} once {@code done} holds; {@code false} if the scheduler went idle (nothing ready, no timer)
     *         while it did not
     * @throws AssertionError        if a task threw, or if {@link #stepBudget()} steps passed without {@code done}
     * @throws IllegalStateException if called from inside a task
     */
    public boolean runUntil(BooleanSupplier done) {
        Objects.requireNonNull(done, "done");
        enter("runUntil()");
        try {
            long budget = stepBudget;
            long ran = 0;
            while (!done.getAsBoolean()) {
                if (ran >= budget) {
                    throw budgetExceeded("runUntil()", budget);
                }
                if (!runOne(true)) {
                    return false;
                }
                ran++;
            }
            return true;
        } finally {
            exit();
        }
    }

    /**
     * Runs everything that becomes ready within the next {@code duration} of virtual time, firing timers in deadline
     * order (a timer due exactly at the end runs), then leaves the clock at exactly {@code nanoTime() + duration}.
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     * @throws AssertionError           if a task threw, or if {@link #stepBudget()} steps were not enough
     * @throws IllegalStateException    if called from inside a task
     */
    public void runFor(Duration duration) {
        long nanos = nonNegativeNanos(duration, "runFor");
        enter("runFor()");
        try {
            long end = now + nanos < now ? Long.MAX_VALUE : now + nanos;
            long budget = stepBudget;
            long ran = 0;
            while (true) {
                boolean ranOne;
                synchronized (lock) {
                    ranOne = !ready.isEmpty() || (!timers.isEmpty() && nextDeadline() <= end);
                }
                if (!ranOne) {
                    break;
                }
                if (ran >= budget) {
                    throw budgetExceeded("runFor()", budget);
                }
                runOne(true);
                ran++;
            }
            synchronized (lock) {
                if (now < end) {
                    now = end;
                }
            }
        } finally {
            exit();
        }
    }

    /**
     * Moves virtual time forward by {@code duration} without running anything: every timer due by the new time
     * becomes ready (and they then run in seeded order, not necessarily in deadline order). Ready tasks stay ready.
     *
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public void advanceTime(Duration duration) {
        long nanos = nonNegativeNanos(duration, "advanceTime");
        synchronized (lock) {
            now = now + nanos < now ? Long.MAX_VALUE : now + nanos;
            releaseDueTimers();
        }
    }

    // ---------------------------------------------------------------- configuration and inspection

    /** How many steps one run-method call may take before it throws; default {@value #DEFAULT_STEP_BUDGET}. */
    public long stepBudget() {
        synchronized (lock) {
            return stepBudget;
        }
    }

    /**
     * Sets the livelock guard for later run-method calls.
     *
     * @throws IllegalArgumentException if {@code budget < 1}
     */
    public void setStepBudget(long budget) {
        if (budget < 1) {
            throw new IllegalArgumentException("step budget must be at least 1, was " + budget);
        }
        synchronized (lock) {
            stepBudget = budget;
        }
    }

    /** Steps run so far by this scheduler (all run-method calls together). */
    public long steps() {
        synchronized (lock) {
            return steps;
        }
    }

    /** Tasks ready to run now (timers that are due included). */
    public int readyCount() {
        synchronized (lock) {
            return ready.size();
        }
    }

    /** Tasks waiting for work: ready tasks plus timers not yet due (cancelled ones excluded). */
    public int pending() {
        synchronized (lock) {
            return ready.size() + timers.size();
        }
    }

    /** Virtual time elapsed since {@link #START}. */
    public Duration elapsed() {
        return Duration.ofNanos(now);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "DeterministicScheduler[seed=" + seed + ", step=" + steps + ", t=" + Duration.ofNanos(now)
                    + ", ready=" + ready.size() + ", timers=" + timers.size() + "]";
        }
    }

    // ---------------------------------------------------------------- engine

    /** Picks and runs one task; returns false if there was nothing to run. Called by the runner thread only. */
    private boolean runOne(boolean jumpTime) {
        Task task;
        long step;
        synchronized (lock) {
            if (ready.isEmpty()) {
                if (!jumpTime || timers.isEmpty()) {
                    return false;
                }
                now = Math.max(now, nextDeadline());
                releaseDueTimers();
            }
            int index = schedulingRandom.nextInt(ready.size());
            task = removeReadyAt(index);
            task.state = Task.STARTED;
            step = ++steps;
        }
        try {
            task.action.run();
        } catch (Throwable e) {
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            throw new AssertionError("seed " + seed + ", step " + step + " (t=" + Duration.ofNanos(now)
                    + "): task " + task.action + " threw " + e
                    + ". Replay: -Dinterlock.seed=" + seed + " or RaceHarness.replay(" + seed + "L, scenario)", e);
        }
        return true;
    }

    private Task removeReadyAt(int index) {
        int last = ready.size() - 1;
        Task task = ready.get(index);
        Task moved = ready.remove(last);
        if (index != last) {
            ready.set(index, moved);
        }
        return task;
    }

    private long nextDeadline() {
        return timers.peek().deadline;
    }

    private void releaseDueTimers() {
        while (!timers.isEmpty() && timers.peek().deadline <= now) {
            ready.add(timers.poll());
        }
    }

    private boolean hasWork() {
        synchronized (lock) {
            return !ready.isEmpty() || !timers.isEmpty();
        }
    }

    private AssertionError budgetExceeded(String method, long budget) {
        synchronized (lock) {
            List<String> sample = new ArrayList<>();
            for (int i = 0; i < Math.min(5, ready.size()); i++) {
                sample.add(String.valueOf(ready.get(i).action));
            }
            return new AssertionError("seed " + seed + ": " + method + " ran its step budget of " + budget
                    + " steps and work is still pending (" + ready.size() + " ready, " + timers.size()
                    + " timers, t=" + Duration.ofNanos(now) + "; some ready tasks: " + sample
                    + "). A livelock, or a task that reschedules itself forever? If the scenario really needs more"
                    + " steps, raise it with setStepBudget(). Replay: -Dinterlock.seed=" + seed);
        }
    }

    private void enter(String method) {
        synchronized (lock) {
            Thread current = Thread.currentThread();
            if (runner == current) {
                throw new IllegalStateException(method + " called from inside a task of " + this
                        + ": tasks must not drive the scheduler; submit follow-up work with execute() instead");
            }
            if (runner != null) {
                throw new IllegalStateException(method + " called from thread " + current.getName()
                        + " while thread " + runner.getName() + " is running " + this
                        + ": drive a DeterministicScheduler from one thread at a time");
            }
            runner = current;
        }
    }

    private void exit() {
        synchronized (lock) {
            runner = null;
        }
    }

    private static int compareTimers(Task a, Task b) {
        int c = Long.compare(a.deadline, b.deadline);
        if (c != 0) {
            return c;
        }
        c = Long.compare(a.tieBreak, b.tieBreak);
        return c != 0 ? c : Long.compare(a.sequence, b.sequence);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    private static long nonNegativeNanos(Duration d, String method) {
        Objects.requireNonNull(d, "duration");
        if (d.isNegative()) {
            throw new IllegalArgumentException(method + ": duration must not be negative, was " + d
                    + " (virtual time never moves backwards)");
        }
        return saturatedNanos(d);
    }

    /** A submitted task; also its own cancellation handle. */
    private final class Task implements Cancellable {
        static final int PENDING = 0;
        static final int STARTED = 1;
        static final int CANCELLED = 2;

        final Runnable action;
        final long deadline;
        final long tieBreak;
        final long sequence;
        int state = PENDING; // guarded by lock

        Task(Runnable action, long deadline, long tieBreak, long sequence) {
            this.action = action;
            this.deadline = deadline;
            this.tieBreak = tieBreak;
            this.sequence = sequence;
        }

        @Override
        public boolean cancel() {
            synchronized (lock) {
                if (state != PENDING) {
                    return false;
                }
                state = CANCELLED;
                if (!timers.remove(this)) {
                    int index = indexOfIdentity(ready, this);
                    if (index >= 0) {
                        removeReadyAt(index);
                    }
                }
                return true;
            }
        }

        @Override
        public String toString() {
            return "Task[" + action + ", due=" + Duration.ofNanos(deadline) + "]";
        }
    }

    private static int indexOfIdentity(List<Task> list, Task task) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == task) {
                return i;
            }
        }
        return -1;
    }

    /** The wall-clock view of virtual time. */
    private final class VirtualClock extends Clock {
        private final ZoneId zone;

        VirtualClock(ZoneId zone) {
            this.zone = zone;
        }

        @Override
        public ZoneId getZone() {
            return zone;
        }

        @Override
        public Clock withZone(ZoneId newZone) {
            return newZone.equals(zone) ? this : new VirtualClock(newZone);
        }

        @Override
        public Instant instant() {
            return START.plusNanos(now);
        }

        @Override
        public String toString() {
            return "VirtualClock[seed=" + seed + ", " + instant() + ", " + zone + "]";
        }
    }
}
