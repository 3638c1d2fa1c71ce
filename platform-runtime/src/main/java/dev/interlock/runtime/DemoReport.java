package dev.interlock.runtime;

import dev.interlock.api.plugin.DemoResult;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How one plugin's demo scenario ({@link dev.interlock.api.plugin.Plugin#demo()}) went, as {@code interlock demo}
 * shows it.
 *
 * @param pluginId    the plugin's id
 * @param outcome     the result
 * @param description the scenario's one-line description; {@code ""} for {@link Outcome#NO_DEMO} and for a plugin
 *                    that FAILED to load
 * @param ran         what ran, with counts, as the scenario reported it; {@code ""} unless the scenario returned
 * @param invariants  the invariants checked, in order; empty unless the scenario returned
 * @param elapsed     the time the scenario took (up to the time bound when it timed out); zero if it did not run
 * @param reason      why it is {@link Outcome#ERROR} (what it threw, or the time bound it exceeded) or
 *                    {@link Outcome#FAILED_TO_LOAD} (the plugin's reason); for {@link Outcome#FAIL} the violated
 *                    invariants; {@code ""} otherwise
 */
public record DemoReport(String pluginId, Outcome outcome, String description, String ran,
                         List<DemoResult.Invariant> invariants, Duration elapsed, String reason) {

    /** The result of one plugin's demo. */
    public enum Outcome {
        /** The scenario returned and every invariant holds. */
        PASS,
        /** The scenario returned and some invariant does not hold. */
        FAIL,
        /** The scenario threw, or did not return within its time bound. */
        ERROR,
        /** The plugin has no demo scenario. */
        NO_DEMO,
        /** The plugin FAILED to load (or is not known), so its demo could not run. */
        FAILED_TO_LOAD;

        /** Whether this outcome makes {@code interlock demo} fail. */
        public boolean isFailure() {
            return this == FAIL || this == ERROR || this == FAILED_TO_LOAD;
        }
    }

    public DemoReport {
        Objects.requireNonNull(pluginId, "pluginId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(ran, "ran");
        invariants = List.copyOf(invariants);
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(reason, "reason");
    }
}
