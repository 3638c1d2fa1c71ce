package dev.interlock.testkit;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The outcome of {@link RaceHarness#explore}: how many seeds ran and which failed. Immutable.
 */
public final class RaceReport {

    private final String name;
    private final int runs;
    private final List<SeedFailure> failures;
    private final Duration elapsed;

    RaceReport(String name, int runs, List<SeedFailure> failures, Duration elapsed) {
        this.name = Objects.requireNonNull(name, "name");
        this.runs = runs;
        this.failures = List.copyOf(failures);
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The scenario's name, as given to {@code explore}. */
    public String name() {
        return name;
    }

    /** How many seeds ran (1 when {@code -Dinterlock.seed} selected a single seed). */
    public int runs() {
        return runs;
    }

    /** Every failing seed, in the order they ran (ascending seeds). */
    public List<SeedFailure> failures() {
        return failures;
    }

    /** The first seed that failed, if any. */
    public OptionalLong firstFailingSeed() {
        return failures.isEmpty() ? OptionalLong.empty() : OptionalLong.of(failures.getFirst().seed());
    }

    /** Real (wall-clock) time the exploration took. */
    public Duration elapsed() {
        return elapsed;
    }

    /** {@code true} if no seed failed. */
    public boolean isClean() {
        return failures.isEmpty();
    }

    /**
     * Passes if no seed failed.
     *
     * @throws AssertionError naming the first failing seed, how many of the runs failed and how to replay it, with
     *                        the first failure as its cause
     */
    public void assertClean() {
        if (failures.isEmpty()) {
            return;
        }
        SeedFailure first = failures.getFirst();
        throw new AssertionError("race " + name + ": " + failures.size() + " of " + runs
                + " seeds failed; first failing seed " + first.seed() + ": " + first.cause()
                + ". Replay: " + first.replayHint(), first.cause());
    }

    /** The summary line {@code explore} prints. */
    @Override
    public String toString() {
        StringBuilder line = new StringBuilder("race ").append(name).append(": ").append(runs).append(" seeds, ")
                .append(failures.size()).append(" failures");
        if (!failures.isEmpty()) {
            line.append(", first failing seed ").append(failures.getFirst().seed());
        }
        return line.append(" (").append(elapsed.toMillis()).append(" ms)").toString();
    }
}
