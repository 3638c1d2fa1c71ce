/**
 * Injected time and execution. See {@link dev.interlock.api.exec.Scheduler}: the only way platform code waits,
 * schedules or reads time, so that tests can substitute a deterministic scheduler with a virtual clock.
 */
package dev.interlock.api.exec;
