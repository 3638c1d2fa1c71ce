package dev.interlock.internal.guard.lincheck;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * For model checking only: runs every task at once on the calling thread and never fires timers, so that the whole
 * behaviour of an operation happens inside the operation Lincheck observes. (The production contract says tasks
 * never run on the caller's stack; the guards do not rely on that for correctness, which this also checks.)
 */
final class InlineScheduler implements Scheduler {
    @Override
    public Clock clock() {
        return Clock.fixed(Instant.EPOCH, ZoneOffset.UTC);
    }

    @Override
    public long nanoTime() {
        return 0;
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
        return () -> false;
    }

    @Override
    public void execute(Runnable command) {
        command.run();
    }
}
