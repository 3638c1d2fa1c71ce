package dev.interlock.api.plugin;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link DemoScenario} ran and the invariants it checked.
 *
 * @param ran        what ran, in a few words with the counts (e.g. "16 policy pairs, 64 handshakes, 1 MiB echoed")
 * @param invariants each invariant checked, in the order checked; at least one
 */
public record DemoResult(String ran, List<Invariant> invariants) {

    public DemoResult {
        Objects.requireNonNull(ran, "ran");
        invariants = List.copyOf(invariants);
        if (invariants.isEmpty()) {
            throw new IllegalArgumentException("a demo result must check at least one invariant");
        }
    }

    /** Whether every invariant holds. */
    public boolean passed() {
        return invariants.stream().allMatch(Invariant::holds);
    }

    /**
     * One checked invariant, shown as {@code name: observed}, e.g. {@code "topics per session: 1"}.
     *
     * @param name     what was checked
     * @param observed the value observed
     * @param holds    whether the invariant holds
     */
    public record Invariant(String name, String observed, boolean holds) {
        public Invariant {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(observed, "observed");
        }

        /** An invariant that {@code observed} equals {@code expected}. */
        public static Invariant expect(String name, Object expected, Object observed) {
            return new Invariant(name, String.valueOf(observed), Objects.equals(expected, observed));
        }
    }
}
