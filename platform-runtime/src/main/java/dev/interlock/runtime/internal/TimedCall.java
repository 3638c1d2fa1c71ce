package dev.interlock.runtime.internal;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a piece of plugin code (injector creation, start, stop) on its own virtual thread and waits for it at most a
 * timeout. The host owns this one use of real threads and real time: plugin lifecycle methods are blocking calls into
 * code the host does not trust to return, so they cannot run on the injected scheduler (which may be a deterministic,
 * single-threaded test scheduler).
 *
 * <p>On timeout the thread is interrupted and abandoned: the call returns {@link Outcome#timedOut()} while the plugin
 * code may still be running. The thread's context class loader is the plugin's.
 */
final class TimedCall {

    /** How a call ended. Exactly one of {@code value}, {@code failure}, {@code timedOut} is meaningful. */
    record Outcome<T>(T value, Throwable failure, boolean timedOut) {
        boolean ok() {
            return failure == null && !timedOut;
        }
    }

    /** A piece of plugin code. */
    @FunctionalInterface
    interface Body<T> {
        T call() throws Exception;
    }

    private TimedCall() {
    }

    static <T> Outcome<T> run(String threadName, ClassLoader contextLoader, Duration timeout, Body<T> body)
            throws InterruptedException {
        CompletableFuture<T> done = new CompletableFuture<>();
        Thread thread = Thread.ofVirtual().name(threadName).unstarted(() -> {
            Thread.currentThread().setContextClassLoader(contextLoader);
            try {
                done.complete(body.call());
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        thread.start();
        try {
            return new Outcome<>(done.get(timeout.toNanos(), TimeUnit.NANOSECONDS), null, false);
        } catch (ExecutionException e) {
            return new Outcome<>(null, e.getCause(), false);
        } catch (TimeoutException e) {
            thread.interrupt();
            return new Outcome<>(null, null, true);
        } catch (InterruptedException e) {
            thread.interrupt();
            throw e;
        }
    }
}
