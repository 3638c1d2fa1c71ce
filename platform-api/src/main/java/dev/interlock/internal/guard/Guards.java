package dev.interlock.internal.guard;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** Small helpers shared by the in-JVM guards: argument checks, message formatting, reading finished stages. */
final class Guards {

    /** Longest rendering of a key or value in an error message, in characters; longer ones are cut. */
    static final int MAX_RENDERED_LENGTH = 120;

    private Guards() {
    }

    /** {@code String.valueOf(value)}, cut to {@link #MAX_RENDERED_LENGTH} characters and quoted. */
    static String render(Object value) {
        String s = String.valueOf(value);
        if (s.length() > MAX_RENDERED_LENGTH) {
            s = s.substring(0, MAX_RENDERED_LENGTH) + "...(" + s.length() + " chars)";
        }
        return "'" + s + "'";
    }

    static <T> T requireNonNull(T value, String parameter) {
        return Objects.requireNonNull(value, parameter);
    }

    /** Checks a timeout parameter: non-null; zero or negative means "do not wait". */
    static Duration requireTimeout(Duration timeout) {
        return Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The exception a finished stage failed with, unwrapped from {@link CompletionException}, or {@code null} if it
     * completed normally. Only for stages known to be done.
     */
    static Throwable unwrap(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            return t.getCause();
        }
        return t;
    }

    /**
     * The exception a done future failed with (unwrapped; a {@link CancellationException} for a cancelled one), or
     * {@code null} if it completed normally. Allocates nothing on the normal path; read the value with
     * {@code getNow(null)} then.
     */
    static Throwable failureOf(CompletableFuture<?> done) {
        if (!done.isCompletedExceptionally()) {
            return null;
        }
        try {
            done.join();
        } catch (CancellationException e) {
            return e;
        } catch (CompletionException e) {
            return unwrap(e);
        }
        throw new IllegalStateException("a future completed exceptionally but join() returned normally");
    }

    /** The stage an operation returned, or a failure explaining that it returned {@code null}. */
    static <T> CompletionStage<T> nonNullStage(CompletionStage<T> stage, String what) {
        if (stage == null) {
            return CompletableFuture.failedFuture(new NullPointerException(what + " returned a null CompletionStage"));
        }
        return stage;
    }
}
