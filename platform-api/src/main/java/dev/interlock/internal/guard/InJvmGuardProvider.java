package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.spi.ConcurrencyGuardProvider;

/** TEMPORARY placeholder until the in-JVM guards land (helper A replaces this file). */
public final class InJvmGuardProvider implements ConcurrencyGuardProvider {
    @Override
    public String name() {
        return ConcurrencyGuard.IN_JVM;
    }

    @Override
    public ConcurrencyGuard create(Scheduler scheduler) {
        throw new UnsupportedOperationException("placeholder");
    }
}
