package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.QueueFullException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * One serial lane: the engine behind {@link InJvmOperationQueue} and each key of {@link InJvmKeyedOperationQueue}.
 *
 * <h2>Design</h2>
 * <pre>
 * State (guarded by the lane's spin lock): a doubly linked FIFO of waiting Ops, their count (pending), and
 * 'active' = a drain task is scheduled or an operation is running. The lane itself is the Runnable submitted
 * to the scheduler, so scheduling allocates nothing.
 *
 * submit:  lock; closed? full? -> fail the stage; else link, pending++; if !active { active = true; schedule }
 * drain:   loop { lock; pop head (pending--) or, if empty, active = false (and retire, for a keyed lane); unlock;
 *                 run the op; if its stage is already complete, complete the caller and continue (up to BATCH ops
 *                 per scheduler task, then re-submit itself so other work gets the thread);
 *                 else attach the Op as the stage's callback and return: the callback completes the caller and
 *                 re-submits the drain task. }
 * cancel:  an Op still linked is unlinked under the lock (pending--) and its supplier never runs; an Op already
 *          popped runs to completion, and the lane waits for it.
 * close:   lock; closed = true; unlink every waiting Op; unlock; fail each with GuardClosedException. The running
 *          operation (if any) finishes; the drain then finds the lane empty and reports it idle, which completes
 *          terminated().
 *
 * Memory effects: an Op is linked and popped under the lock, and the drain task is handed over through the
 * scheduler (happens-before by its contract), so everything an operation did, including completing its stage,
 * happens-before the next operation starts.
 * </pre>
 */
final class Lane extends SpinLock implements Runnable {

    /** Operations run back to back in one scheduler task at most, when each completes synchronously. */
    static final int BATCH = 256;

    /** What a lane reports to: the serial queue or the keyed queue that owns it. */
    interface Host {
        String describe(Lane lane);

        int capacity();

        Scheduler scheduler();

        /** Whether lanes of this host are removed when they become idle (keyed lanes). */
        boolean retiresIdleLanes();

        /** Called outside the lock once the lane has become idle (and, for a keyed lane, retired). */
        void idle(Lane lane);
    }

    private static final VarHandle PENDING;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(Lane.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Host host;
    final Object key;
    private Op<?> head;
    private Op<?> tail;
    /** Waiting operations; written under the lock, read opaquely for monitoring. */
    private int pending;
    private boolean active;
    private boolean closed;
    private boolean retired;

    Lane(Host host, Object key) {
        this.host = host;
        this.key = key;
    }

    int pending() {
        return (int) PENDING.getOpaque(this);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Submission

    static <T> Op<T> supplierOp(Supplier<? extends CompletionStage<T>> operation) {
        return new Op<>(Op.SUPPLIER, Guards.requireNonNull(operation, "operation"));
    }

    static <T> Op<T> callableOp(Callable<T> operation) {
        return new Op<>(Op.CALLABLE, Guards.requireNonNull(operation, "operation"));
    }

    static Op<Void> runnableOp(Runnable operation) {
        return new Op<>(Op.RUNNABLE, Guards.requireNonNull(operation, "operation"));
    }

    /** The outcome of {@link #offer}. */
    enum Offer { QUEUED, RETIRED, CLOSED, FULL }

    /**
     * Links {@code op} unless the lane is retired (the caller must find or make the key's current lane), closed
     * or full (the caller must fail the op).
     */
    Offer offer(Op<?> op, boolean hostClosed) {
        boolean start;
        lock();
        if (retired) {
            unlock();
            return Offer.RETIRED;
        }
        if (closed || hostClosed) {
            unlock();
            return Offer.CLOSED;
        }
        int p = pending;
        if (p >= host.capacity()) {
            unlock();
            return Offer.FULL;
        }
        op.lane = this;
        op.prev = tail;
        if (tail == null) {
            head = op;
        } else {
            tail.next = op;
        }
        tail = op;
        op.queued = true;
        PENDING.setOpaque(this, p + 1);
        start = !active;
        active = true;
        unlock();
        if (start) {
            schedule();
        }
        return Offer.QUEUED;
    }

    QueueFullException fullException() {
        int capacity = host.capacity();
        return new QueueFullException(host.describe(this) + " is full: " + capacity
                + " operations are waiting (capacity " + capacity + "); the operation was not queued."
                + " Slow the producer down or create the lane with a larger capacity", capacity);
    }

    GuardClosedException closedException() {
        return new GuardClosedException(host.describe(this) + " is closed; the operation was not queued");
    }

    private void schedule() {
        try {
            host.scheduler().execute(this);
        } catch (RejectedExecutionException e) {
            abort(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Draining

    @Override
    public void run() {
        int budget = BATCH;
        while (true) {
            Op<?> op;
            boolean nowIdle = false;
            lock();
            op = head;
            if (op == null) {
                active = false;
                nowIdle = true;
                if (host.retiresIdleLanes()) {
                    retired = true;
                }
            } else {
                unlinkLocked(op);
            }
            unlock();
            if (nowIdle) {
                host.idle(this);
                return;
            }
            if (op.isDone()) {
                continue; // completed by its caller (cancelled) just before it could start: never invoked
            }
            if (!op.start()) {
                return; // asynchronous: the op's callback re-submits this task when its stage completes
            }
            if (--budget == 0) {
                schedule();
                return;
            }
        }
    }

    /** Continues the lane after an asynchronous operation completed. */
    void resume() {
        schedule();
    }

    private void unlinkLocked(Op<?> op) {
        Op<?> p = op.prev;
        Op<?> n = op.next;
        if (p == null) {
            head = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            tail = p;
        } else {
            n.prev = p;
        }
        op.prev = null;
        op.next = null;
        op.queued = false;
        PENDING.setOpaque(this, pending - 1);
    }

    /** Removes an op whose caller gave up before it started. */
    void withdraw(Op<?> op) {
        lock();
        if (op.queued) {
            unlinkLocked(op);
        }
        unlock();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Closing

    /** Fails every waiting op with GuardClosedException; the running one finishes. */
    void close() {
        Op<?> first;
        boolean wasIdle;
        lock();
        if (closed) {
            unlock();
            return;
        }
        closed = true;
        first = detachAllLocked();
        wasIdle = !active;
        if (wasIdle && host.retiresIdleLanes()) {
            retired = true;
        }
        unlock();
        failAll(first, () -> new GuardClosedException(host.describe(this)
                + " was closed before this operation started"));
        if (wasIdle) {
            host.idle(this);
        }
    }

    /** The scheduler refused the drain task: nothing queued can run, so fail it all and go idle. */
    private void abort(RejectedExecutionException cause) {
        Op<?> first;
        lock();
        first = detachAllLocked();
        active = false;
        if (host.retiresIdleLanes()) {
            retired = true;
        }
        unlock();
        failAll(first, () -> {
            RejectedExecutionException e = new RejectedExecutionException(host.describe(this)
                    + ": the scheduler rejected the lane's task; the operation did not run");
            e.initCause(cause);
            return e;
        });
        host.idle(this);
    }

    private Op<?> detachAllLocked() {
        Op<?> first = head;
        for (Op<?> o = first; o != null; o = o.next) {
            o.queued = false;
        }
        head = null;
        tail = null;
        PENDING.setOpaque(this, 0);
        return first;
    }

    private static void failAll(Op<?> first, Supplier<? extends Throwable> failure) {
        Op<?> o = first;
        while (o != null) {
            Op<?> next = o.next;
            o.prev = null;
            o.next = null;
            o.fail(failure.get());
            o = next;
        }
    }

    boolean isClosed() {
        lock();
        boolean c = closed;
        unlock();
        return c;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Operations

    /** A queued operation and its caller's stage. */
    static final class Op<T> extends CompletableFuture<T> implements BiConsumer<Object, Throwable> {
        static final byte SUPPLIER = 0;
        static final byte CALLABLE = 1;
        static final byte RUNNABLE = 2;

        private final byte kind;
        private Object task;
        Lane lane;
        /** Links in the lane's FIFO; guarded by the lane lock. */
        Op<?> prev;
        Op<?> next;
        boolean queued;

        Op(byte kind, Object task) {
            this.kind = kind;
            this.task = task;
        }

        /**
         * Invokes the operation. Returns true if the operation is over (the caller's stage is complete or its
         * outcome was delivered), false if the lane must wait for an asynchronous stage.
         */
        @SuppressWarnings("unchecked")
        boolean start() {
            Object t = task;
            task = null;
            try {
                switch (kind) {
                    case CALLABLE -> {
                        super.complete(((Callable<T>) t).call());
                        return true;
                    }
                    case RUNNABLE -> {
                        ((Runnable) t).run();
                        super.complete(null);
                        return true;
                    }
                    default -> {
                        CompletionStage<T> stage = ((Supplier<? extends CompletionStage<T>>) t).get();
                        if (stage == null) {
                            super.completeExceptionally(new NullPointerException(lane.host.describe(lane)
                                    + ": the operation returned a null CompletionStage"));
                            return true;
                        }
                        if (stage instanceof CompletableFuture<T> cf && cf.isDone()) {
                            Throwable failure = Guards.failureOf(cf);
                            deliver(failure == null ? cf.getNow(null) : null, failure);
                            return true;
                        }
                        stage.whenComplete(this);
                        return false;
                    }
                }
            } catch (Throwable e) {
                super.completeExceptionally(e);
                return true;
            }
        }

        private void deliver(T value, Throwable failure) {
            if (failure == null) {
                super.complete(value);
            } else {
                super.completeExceptionally(failure);
            }
        }

        /** The asynchronous stage completed: tell the caller, then let the lane go on. */
        @Override
        @SuppressWarnings("unchecked")
        public void accept(Object value, Throwable failure) {
            deliver((T) value, failure == null ? null : Guards.unwrap(failure));
            lane.resume();
        }

        void fail(Throwable failure) {
            super.completeExceptionally(failure);
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                withdrawFromLane();
            }
            return cancelled;
        }

        @Override
        public boolean completeExceptionally(Throwable ex) {
            boolean done = super.completeExceptionally(ex);
            if (done) {
                withdrawFromLane();
            }
            return done;
        }

        @Override
        public boolean complete(T value) {
            boolean done = super.complete(value);
            if (done) {
                withdrawFromLane();
            }
            return done;
        }

        private void withdrawFromLane() {
            Lane l = lane;
            if (l != null) {
                l.withdraw(this);
            }
        }
    }
}
