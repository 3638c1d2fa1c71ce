package dev.interlock.testkit;

import java.util.Objects;

/**
 * One seed on which a scenario failed.
 *
 * @param seed  the seed; {@link RaceHarness#replay(long, RaceHarness.Scenario)} with it runs the same schedule again
 * @param cause what the scenario threw (an assertion failure, or any other exception)
 */
public record SeedFailure(long seed, Throwable cause) {

    /** @throws NullPointerException if {@code cause} is null */
    public SeedFailure {
        Objects.requireNonNull(cause, "cause");
    }

    /** How to run this seed alone: the system property and the method call. */
    public String replayHint() {
        return RaceHarness.replayHint(seed);
    }

    @Override
    public String toString() {
        return "seed " + seed + ": " + cause;
    }
}
