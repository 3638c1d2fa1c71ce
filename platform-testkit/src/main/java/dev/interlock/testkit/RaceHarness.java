package dev.interlock.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Runs a scenario once per seed, each time on a fresh {@link DeterministicScheduler}, and reports the seeds on which
 * it failed; replays one seed on demand.
 *
 * <pre>{@code
 * RaceHarness.explore("mse handshake", 0, 10_000, s -> {
 *     SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(s.random()));
 *     ... wire both sides, start them ...
 *     s.runUntilIdle();
 *     assertThat(initiator.state()).isEqualTo(DONE);
 * }).assertClean();
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Seeds {@code firstSeed, firstSeed + 1, ...} run in ascending order, one at a time, on the calling thread.
 *       A seed fails when the scenario throws anything (an {@link AssertionError}, an exception, or a task failure
 *       reported by a run method); every seed runs even after a failure.
 *   <li>The same seed runs the same schedule, so {@link #replay(long, Scenario)} reproduces a failure exactly,
 *       provided the scenario takes all its randomness from {@link DeterministicScheduler#random()} and all its time
 *       and execution from the scheduler.
 *   <li>{@code explore} prints one summary line to {@code System.out}
 *       ({@code race NAME: N seeds, F failures[, first failing seed S] (T ms)}); when a seed failed, it also prints
 *       how to replay it and the first failure's stack trace.
 *   <li>If the system property {@value #SEED_PROPERTY} is set, {@code explore} runs only that seed (and reports one
 *       run), so a failure found in CI can be replayed with {@code -Dinterlock.seed=S} without editing the test.
 * </ul>
 */
public final class RaceHarness {

    /** The system property that makes {@link #explore} replay a single seed. */
    public static final String SEED_PROPERTY = "interlock.seed";

    /** A race scenario: builds the system under test on the given scheduler, drives it, and checks the outcome. */
    @FunctionalInterface
    public interface Scenario {
        /**
         * Runs the scenario once. Throw (or fail an assertion) to report a failure on this seed.
         *
         * @param scheduler a fresh scheduler seeded with the seed being explored; drive it with its run methods
         */
        void run(DeterministicScheduler scheduler) throws Exception;
    }

    private RaceHarness() {
    }

    /**
     * Runs {@code scenario} for the seeds {@code firstSeed} to {@code firstSeed + seeds - 1} (or only the seed in
     * {@value #SEED_PROPERTY}, when set) and prints the summary line.
     *
     * @param name a short name for the summary line and failure messages
     * @return the report; call {@link RaceReport#assertClean()} to fail the test when a seed failed
     * @throws IllegalArgumentException if {@code seeds < 1}, or if {@value #SEED_PROPERTY} is not a number
     */
    public static RaceReport explore(String name, long firstSeed, int seeds, Scenario scenario) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(scenario, "scenario");
        if (seeds < 1) {
            throw new IllegalArgumentException("race " + name + ": seeds must be at least 1, was " + seeds);
        }
        OptionalLong only = seedFromProperty();
        long from = only.orElse(firstSeed);
        int count = only.isPresent() ? 1 : seeds;
        if (only.isPresent()) {
            System.out.println("race " + name + ": replaying only seed " + from + " (-D" + SEED_PROPERTY + ")");
        }
        List<SeedFailure> failures = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long seed = from + i;
            Throwable failure = runOnce(seed, scenario);
            if (failure != null) {
                failures.add(new SeedFailure(seed, failure));
            }
        }
        RaceReport report = new RaceReport(name, count, failures, Duration.ofNanos(System.nanoTime() - started));
        System.out.println(report);
        if (!failures.isEmpty()) {
            SeedFailure first = failures.getFirst();
            System.out.println("race " + name + ": replay the first failing seed with " + first.replayHint());
            System.out.println(stackTrace(first.cause()));
        }
        return report;
    }

    /**
     * Runs {@code scenario} on one seed.
     *
     * @throws AssertionError naming the seed, with the scenario's failure as its cause, if it failed
     */
    public static void replay(long seed, Scenario scenario) {
        Objects.requireNonNull(scenario, "scenario");
        Throwable failure = runOnce(seed, scenario);
        if (failure != null) {
            throw new AssertionError("race replay of seed " + seed + " failed: " + failure, failure);
        }
    }

    static String replayHint(long seed) {
        return "-D" + SEED_PROPERTY + "=" + seed + " or RaceHarness.replay(" + seed + "L, scenario)";
    }

    private static Throwable runOnce(long seed, Scenario scenario) {
        try {
            scenario.run(new DeterministicScheduler(seed));
            return null;
        } catch (VirtualMachineError fatal) {
            throw fatal;
        } catch (Throwable failure) {
            return failure;
        }
    }

    private static OptionalLong seedFromProperty() {
        String value = System.getProperty(SEED_PROPERTY);
        if (value == null || value.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("system property " + SEED_PROPERTY + " must be a seed (a long), was '"
                    + value + "'; use e.g. -D" + SEED_PROPERTY + "=42 or leave it unset to explore all seeds", e);
        }
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
