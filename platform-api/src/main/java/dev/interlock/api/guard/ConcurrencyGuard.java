package dev.interlock.api.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.spi.ConcurrencyGuardProvider;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The front door to the guards: what a plugin gets injected. Every guard it creates runs its callbacks and
 * measures its timeouts on this guard's {@link #scheduler()}.
 *
 * <p>Instances are thread-safe. Guards created by one {@code ConcurrencyGuard} are independent of each other; the
 * {@code name} given to each appears in its error messages and {@code toString()} so that a failure in a log says
 * which lane, mutex or watch it came from.
 */
public interface ConcurrencyGuard {

    /** The name of the provider that ships with the platform: everything in this JVM, nothing shared between hosts. */
    String IN_JVM = "in-jvm";

    /** The scheduler every guard created here uses for callbacks and timeouts. */
    Scheduler scheduler();

    /** The name of the provider that made this guard (e.g. {@value #IN_JVM}). */
    String providerName();

    /** A mutex per key: see {@link KeyedMutex}. */
    <K> KeyedMutex<K> newKeyedMutex(String name);

    /** Single-flight that caches nothing: the key is free again as soon as its execution completes. */
    <K, V> SingleFlight<K, V> newSingleFlight(String name);

    /**
     * Single-flight that also keeps each successful result for {@code successTtl} (failures are never kept).
     *
     * @throws IllegalArgumentException if {@code successTtl} is negative or zero
     */
    <K, V> SingleFlight<K, V> newSingleFlight(String name, Duration successTtl);

    /**
     * A serial lane: see {@link OperationQueue}.
     *
     * @param capacity how many operations may wait (not counting the one running) before submissions are rejected
     * @throws IllegalArgumentException if {@code capacity < 1}
     */
    OperationQueue newOperationQueue(String name, int capacity);

    /**
     * One serial lane per key: see {@link KeyedOperationQueue}.
     *
     * @param capacityPerKey how many operations may wait on one key before submissions for it are rejected
     * @throws IllegalArgumentException if {@code capacityPerKey < 1}
     */
    <K> KeyedOperationQueue<K> newKeyedOperationQueue(String name, int capacityPerKey);

    /** A reorder buffer: see {@link Sequencer}. */
    <K, M> Sequencer<K, M> newSequencer(String name, Sequencer.Options options, Sequencer.Receiver<K, M> receiver);

    /** A monotonic value with waiters: see {@link Watch}. */
    Watch newWatch(String name, long initialValue);

    /** The in-JVM guards over {@code scheduler}. */
    static ConcurrencyGuard inJvm(Scheduler scheduler) {
        return load(IN_JVM, scheduler);
    }

    /**
     * Finds the {@link ConcurrencyGuardProvider} named {@code providerName} with {@link ServiceLoader} and creates a
     * guard over {@code scheduler}.
     *
     * @throws IllegalArgumentException naming the providers that were found, if none has that name
     */
    static ConcurrencyGuard load(String providerName, Scheduler scheduler) {
        Objects.requireNonNull(providerName, "providerName");
        Objects.requireNonNull(scheduler, "scheduler");
        List<String> seen = new ArrayList<>();
        for (ConcurrencyGuardProvider provider : ServiceLoader.load(ConcurrencyGuardProvider.class,
                ConcurrencyGuard.class.getClassLoader())) {
            if (provider.name().equals(providerName)) {
                return provider.create(scheduler);
            }
            seen.add(provider.name());
        }
        throw new IllegalArgumentException("no ConcurrencyGuardProvider named '" + providerName
                + "'; providers found: " + seen
                + ". Fix: put the provider's module on the module path, or choose one of the names found.");
    }
}
