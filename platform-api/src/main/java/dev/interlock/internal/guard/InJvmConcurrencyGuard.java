package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedMutex;
import dev.interlock.api.guard.KeyedOperationQueue;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.guard.Sequencer;
import dev.interlock.api.guard.SingleFlight;
import dev.interlock.api.guard.Watch;

import java.time.Duration;
import java.util.Objects;

/** The {@value ConcurrencyGuard#IN_JVM} facade: creates the in-JVM guards over one scheduler. */
final class InJvmConcurrencyGuard implements ConcurrencyGuard {

    private final Scheduler scheduler;

    InJvmConcurrencyGuard(Scheduler scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public String providerName() {
        return IN_JVM;
    }

    @Override
    public <K> KeyedMutex<K> newKeyedMutex(String name) {
        return new InJvmKeyedMutex<>(Objects.requireNonNull(name, "name"), scheduler);
    }

    @Override
    public <K, V> SingleFlight<K, V> newSingleFlight(String name) {
        return new InJvmSingleFlight<>(Objects.requireNonNull(name, "name"), scheduler, null);
    }

    @Override
    public <K, V> SingleFlight<K, V> newSingleFlight(String name, Duration successTtl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(successTtl, "successTtl");
        if (successTtl.isNegative() || successTtl.isZero()) {
            throw new IllegalArgumentException("single-flight '" + name + "': successTtl must be positive, was "
                    + successTtl + "; use newSingleFlight(name) to cache nothing");
        }
        return new InJvmSingleFlight<>(name, scheduler, successTtl);
    }

    @Override
    public OperationQueue newOperationQueue(String name, int capacity) {
        Objects.requireNonNull(name, "name");
        if (capacity < 1) {
            throw new IllegalArgumentException("operation queue '" + name + "': capacity must be at least 1, was "
                    + capacity);
        }
        return new InJvmOperationQueue(name, scheduler, capacity);
    }

    @Override
    public <K> KeyedOperationQueue<K> newKeyedOperationQueue(String name, int capacityPerKey) {
        Objects.requireNonNull(name, "name");
        if (capacityPerKey < 1) {
            throw new IllegalArgumentException("keyed operation queue '" + name
                    + "': capacityPerKey must be at least 1, was " + capacityPerKey);
        }
        return new InJvmKeyedOperationQueue<>(name, scheduler, capacityPerKey);
    }

    @Override
    public <K, M> Sequencer<K, M> newSequencer(String name, Sequencer.Options options,
                                               Sequencer.Receiver<K, M> receiver) {
        return new InJvmSequencer<>(Objects.requireNonNull(name, "name"), scheduler,
                Objects.requireNonNull(options, "options"), Objects.requireNonNull(receiver, "receiver"));
    }

    @Override
    public Watch newWatch(String name, long initialValue) {
        return new InJvmWatch(Objects.requireNonNull(name, "name"), scheduler, initialValue);
    }

    @Override
    public String toString() {
        return "ConcurrencyGuard[" + IN_JVM + ", " + scheduler + "]";
    }
}
