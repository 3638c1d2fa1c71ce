package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.spi.ConcurrencyGuardProvider;

import java.util.Objects;

/**
 * The {@value ConcurrencyGuard#IN_JVM} provider: every guard lives in this JVM and runs its callbacks and timeouts
 * on the scheduler it is created with. Nothing is shared between hosts.
 */
public final class InJvmGuardProvider implements ConcurrencyGuardProvider {

    /** For {@link java.util.ServiceLoader}. */
    public InJvmGuardProvider() {
    }

    @Override
    public String name() {
        return ConcurrencyGuard.IN_JVM;
    }

    @Override
    public ConcurrencyGuard create(Scheduler scheduler) {
        return new InJvmConcurrencyGuard(Objects.requireNonNull(scheduler, "scheduler"));
    }
}
