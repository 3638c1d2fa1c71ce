package dev.interlock.internal.guard;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.GuardTimeoutException;
import dev.interlock.api.guard.Watch;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;

/**
 * The in-JVM {@link Watch}.
 *
 * <h2>Design</h2>
 * <pre>
 * 'value' is a volatile long raised by CAS only. Waiters whose target is above the value sit in a TreeSet ordered
 * by (target, arrival), guarded by the watch's monitor; withdrawing one (timeout, cancellation) is O(log n).
 *
 * No lost wake-up: an advance first raises 'value', then takes the monitor and removes every waiter at or below
 * it; a waiter checks 'value' again under the monitor before it registers. Either the waiter sees the new value,
 * or the advance sees the waiter.
 *
 * Satisfied waiters are completed in one scheduler task, never on the advancing thread's stack.
 * close(): under the monitor, closed = true and every waiter is removed; they fail on the scheduler.
 * </pre>
 */
final class InJvmWatch implements Watch {

    private static final VarHandle VALUE;

    static {
        try {
            VALUE = MethodHandles.lookup().findVarHandle(InJvmWatch.class, "value", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final Comparator<Waiter> ORDER =
            Comparator.comparingLong((Waiter w) -> w.target).thenComparingLong(w -> w.arrival);

    private final String name;
    private final Scheduler scheduler;
    private volatile long value;
    private volatile boolean closed;
    /** Guarded by this. */
    private final TreeSet<Waiter> waiters = new TreeSet<>(ORDER);
    /** Guarded by this. */
    private long arrivals;

    InJvmWatch(String name, Scheduler scheduler, long initialValue) {
        this.name = name;
        this.scheduler = scheduler;
        this.value = initialValue;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long get() {
        return value;
    }

    @Override
    public long advanceTo(long target) {
        if (closed) {
            throw closedOnAdvance();
        }
        while (true) {
            long current = value;
            if (target <= current) {
                return current;
            }
            if (VALUE.compareAndSet(this, current, target)) {
                wake(target);
                return target;
            }
        }
    }

    @Override
    public long increment() {
        if (closed) {
            throw closedOnAdvance();
        }
        while (true) {
            long current = value;
            if (current == Long.MAX_VALUE) {
                throw new IllegalStateException("watch '" + name + "' is at Long.MAX_VALUE and cannot be incremented");
            }
            if (VALUE.compareAndSet(this, current, current + 1)) {
                wake(current + 1);
                return current + 1;
            }
        }
    }

    private GuardClosedException closedOnAdvance() {
        return new GuardClosedException("watch '" + name + "' is closed (value " + value + "); it cannot advance");
    }

    private void wake(long reached) {
        List<Waiter> due;
        synchronized (this) {
            if (waiters.isEmpty() || waiters.first().target > reached) {
                return;
            }
            due = new ArrayList<>();
            while (!waiters.isEmpty() && waiters.first().target <= reached) {
                Waiter w = waiters.pollFirst();
                w.queued = false;
                due.add(w);
            }
        }
        completeLater(due, null);
    }

    private void completeLater(List<Waiter> due, GuardClosedException failure) {
        Runnable task = () -> {
            long v = value;
            for (Waiter w : due) {
                w.settle(v, failure == null ? null : closedFor(w.target));
            }
        };
        try {
            scheduler.execute(task);
        } catch (RejectedExecutionException e) {
            for (Waiter w : due) {
                w.settleExceptionally(e);
            }
        }
    }

    @Override
    public CompletionStage<Long> awaitAtLeast(long n) {
        return await(n, null);
    }

    @Override
    public CompletionStage<Long> awaitAtLeast(long n, Duration timeout) {
        return await(n, Guards.requireTimeout(timeout));
    }

    private CompletionStage<Long> await(long n, Duration timeout) {
        long v = value;
        if (v >= n) {
            return CompletableFuture.completedFuture(v);
        }
        Waiter w = new Waiter(n);
        synchronized (this) {
            v = value;
            if (v >= n) {
                return CompletableFuture.completedFuture(v);
            }
            if (closed) {
                return CompletableFuture.failedFuture(closedFor(n));
            }
            w.arrival = arrivals++;
            w.queued = true;
            waiters.add(w);
        }
        if (timeout != null) {
            Cancellable timer = scheduler.schedule(() -> w.completeExceptionally(new GuardTimeoutException(
                    "watch '" + name + "': value did not reach " + n + " within " + timeout + " (value is "
                            + value + ")")), timeout);
            w.timer = timer;
            if (w.isDone()) {
                timer.cancel();
            }
        }
        return w;
    }

    private GuardClosedException closedFor(long target) {
        return new GuardClosedException("watch '" + name + "' was closed before its value reached " + target
                + " (value " + value + ")");
    }

    private void withdraw(Waiter w) {
        synchronized (this) {
            if (w.queued) {
                waiters.remove(w);
                w.queued = false;
            }
        }
        Cancellable t = w.timer;
        if (t != null) {
            t.cancel();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        List<Waiter> due;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            due = new ArrayList<>(waiters);
            for (Waiter w : due) {
                w.queued = false;
            }
            waiters.clear();
        }
        if (!due.isEmpty()) {
            completeLater(due, closedFor(0));
        }
    }

    /** Waiters right now (test and monitoring aid). */
    synchronized int waiting() {
        return waiters.size();
    }

    @Override
    public String toString() {
        return "Watch[" + name + ", value=" + value + (closed ? ", closed" : "") + "]";
    }

    /** A caller's stage; cancelling or failing it withdraws the waiter. */
    private final class Waiter extends CompletableFuture<Long> {
        final long target;
        long arrival;
        /** Whether it is in 'waiters'; guarded by the watch's monitor. */
        boolean queued;
        volatile Cancellable timer;

        Waiter(long target) {
            this.target = target;
        }

        void settle(long v, GuardClosedException failure) {
            if (failure != null) {
                super.completeExceptionally(failure);
            } else {
                super.complete(v);
            }
            Cancellable t = timer;
            if (t != null) {
                t.cancel();
            }
        }

        void settleExceptionally(Throwable failure) {
            super.completeExceptionally(failure);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean done = super.cancel(mayInterruptIfRunning);
            if (done) {
                withdraw(this);
            }
            return done;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean done = super.completeExceptionally(ex);
            if (done) {
                withdraw(this);
            }
            return done;
        }

        @Override
        public boolean complete(Long v) {
            boolean done = super.complete(v);
            if (done) {
                withdraw(this);
            }
            return done;
        }
    }
}
