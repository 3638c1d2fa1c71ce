package dev.interlock.api.guard.spi;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;

/**
 * Service-provider interface behind {@link ConcurrencyGuard}, found with {@link java.util.ServiceLoader}.
 *
 * <p>The platform ships the {@value ConcurrencyGuard#IN_JVM} provider. A provider backed by a shared engine (for
 * example PostgreSQL advisory locks) lets several hosts share guards without any change to plugins, which only see
 * {@link ConcurrencyGuard}. A provider must honour every guarantee documented on the guard interfaces.
 */
public interface ConcurrencyGuardProvider {

    /** A stable, unique name used to select this provider (e.g. {@value ConcurrencyGuard#IN_JVM}). */
    String name();

    /** Creates a guard facade whose guards run their callbacks and timeouts on {@code scheduler}. */
    ConcurrencyGuard create(Scheduler scheduler);
}
