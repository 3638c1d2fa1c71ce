package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * One configuration of the test matrix: the guards over a {@link ManualScheduler} (deterministic, same thread)
 * or over the production {@link Scheduler#system} with a real executor.
 */
abstract class Env implements AutoCloseable {

    final Scheduler scheduler;
    final ConcurrencyGuard guard;

    Env(Scheduler scheduler) {
        this.scheduler = scheduler;
        this.guard = ConcurrencyGuard.inJvm(scheduler);
    }

    static Env manual() {
        return new Manual();
    }

    static Env real() {
        return new Real(Executors.newFixedThreadPool(2));
    }

    static Env virtual() {
        return new Real(Executors.newVirtualThreadPerTaskExecutor());
    }

    /** Waits for the stage (running the manual scheduler as needed) and returns its value or throws its cause. */
    abstract <T> T await(CompletionStage<T> stage) throws Exception;

    /** Lets all pending work run (manual) or waits until {@code condition} holds (real). */
    abstract void settle(BooleanSupplier condition) throws Exception;

    /** The failure a stage completes with, after waiting for it. */
    Throwable failure(CompletionStage<?> stage) throws Exception {
        try {
            await(stage);
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("stage completed normally: " + stage);
    }

    @Override
    public void close() {
    }

    static final class Manual extends Env {
        final ManualScheduler manual;

        Manual() {
            this(new ManualScheduler());
        }

        private Manual(ManualScheduler s) {
            super(s);
            this.manual = s;
        }

        @Override
        <T> T await(CompletionStage<T> stage) throws Exception {
            manual.runUntilIdle();
            CompletableFuture<T> f = stage.toCompletableFuture();
            if (!f.isDone()) {
                throw new AssertionError("stage not complete after the scheduler went idle: " + f);
            }
            try {
                return f.get();
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            }
        }

        @Override
        void settle(BooleanSupplier condition) {
            manual.runUntilIdle();
            if (!condition.getAsBoolean()) {
                throw new AssertionError("condition not met after the scheduler went idle");
            }
        }

        @Override
        public String toString() {
            return "manual";
        }
    }

    static final class Real extends Env {
        final ExecutorService executor;

        Real(ExecutorService executor) {
            super(Scheduler.system(executor));
            this.executor = executor;
        }

        @Override
        <T> T await(CompletionStage<T> stage) throws Exception {
            try {
                return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw rethrow(e.getCause());
            } catch (TimeoutException e) {
                throw new AssertionError("stage not complete within 20 s: " + stage, e);
            }
        }

        @Override
        void settle(BooleanSupplier condition) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("condition not met within 20 s");
                }
                Thread.onSpinWait();
                Thread.yield();
            }
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }

        @Override
        public String toString() {
            return "real";
        }
    }

    static Exception rethrow(Throwable t) {
        if (t instanceof Exception e) {
            return e;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new RuntimeException(t);
    }
}
