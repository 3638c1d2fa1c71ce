package dev.interlock.api.exec;

/** A handle to a scheduled task. */
@FunctionalInterface
public interface Cancellable {
    /**
     * Prevents the task from running if it has not started yet.
     *
     * @return {@code true} if this call stopped the task from ever running; {@code false} if it had already started,
     *         finished, or was cancelled before
     */
    boolean cancel();
}
