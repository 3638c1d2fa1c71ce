package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.testkit.RaceHarness;
import dev.interlock.testkit.RaceReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LongSummaryStatistics;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference's race tests (seed 001), on the virtual clock, over {@code ratchet.race.seeds} seeds (default 1,000)
 * of {@code ratchet.race.rounds} rounds (default 100) each, with the cheap {@link TestKem} for schedule exploration.
 * What each round checks is documented on {@link RekeyRace}.
 */
class RekeyRaceTest {

    static final int SEEDS = Integer.getInteger("ratchet.race.seeds", 1000);
    static final int ROUNDS = Integer.getInteger("ratchet.race.rounds", 100);
    /** Seeds per configuration for the runs with the real ML-KEM-768 + X25519 exchange. */
    static final int REAL_KEM_SEEDS = Integer.getInteger("ratchet.race.realKemSeeds", 20);
    /** Small window, so that truncation runs every round after the first few. */
    static final int WINDOW = 6;

    private static RaceReport explore(String name, RekeyRace.Mode mode, Duration minDelay, KeyExchange kex,
                                      int seeds, int rounds) {
        RekeyRace.Config config = new RekeyRace.Config(mode, rounds, minDelay, WINDOW, kex);
        LongSummaryStatistics versions = new LongSummaryStatistics();
        LongSummaryStatistics stale = new LongSummaryStatistics();
        LongSummaryStatistics messages = new LongSummaryStatistics();
        RaceReport report = RaceHarness.explore(name + " (" + rounds + " rounds, " + kex.name() + ")", 1, seeds, s -> {
            RekeyRace.Result r = RekeyRace.run(s, config);
            versions.accept(r.versionA());
            stale.accept(r.staleMessages());
            messages.accept(r.messagesAtoB() + r.messagesBtoA());
            assertThat(r.versionA()).isEqualTo(r.versionB());
            if (mode == RekeyRace.Mode.ONE_AT_A_TIME) {
                assertThat(r.versionA()).isEqualTo(rounds);
            } else {
                assertThat(r.versionA()).isBetween((long) rounds, 2L * rounds);
            }
        });
        // Evidence that the schedules were contended: each ignored proposal is one simultaneous rekey.
        System.out.printf(Locale.ROOT, "race %s: final versions %d..%d (mean %.1f), simultaneous proposals ignored"
                        + " %d in total (%.1f per seed), application messages delivered %d%n", name,
                versions.getMin(), versions.getMax(), versions.getAverage(), stale.getSum(), stale.getAverage(),
                messages.getSum());
        return report;
    }

    @ParameterizedTest(name = "min_delay {0} ms")
    @ValueSource(ints = {0, 1, 10, 100, 500})
    void triggerRekey_racyWithRandomStartLag_everyRoundCompletesOnOneVersion(int minDelayMillis) {
        explore("ratchet racy min_delay " + minDelayMillis + " ms", RekeyRace.Mode.RANDOM_LAG,
                Duration.ofMillis(minDelayMillis), new TestKem(), SEEDS, ROUNDS).assertClean();
    }

    @Test
    void triggerRekey_contentious_everyRoundCompletesOnOneVersion() {
        explore("ratchet contentious", RekeyRace.Mode.CONTENTIOUS, Duration.ZERO, new TestKem(), SEEDS, ROUNDS)
                .assertClean();
    }

    @ParameterizedTest(name = "real KEM, {0}")
    @ValueSource(strings = {"RANDOM_LAG:0", "RANDOM_LAG:1", "CONTENTIOUS:0"})
    void triggerRekey_realHybridKem_everyRoundCompletesOnOneVersion(String configuration) {
        String[] parts = configuration.split(":");
        RekeyRace.Mode mode = RekeyRace.Mode.valueOf(parts[0]);
        Duration minDelay = Duration.ofMillis(Long.parseLong(parts[1]));
        explore("ratchet real-kem " + configuration, mode, minDelay, KeyExchange.hybridMlKem768X25519(),
                REAL_KEM_SEEDS, ROUNDS).assertClean();
    }

    @Test
    void triggerRekey_oneAtATime_finalVersionEqualsRounds() {
        explore("ratchet one-at-a-time", RekeyRace.Mode.ONE_AT_A_TIME, Duration.ZERO, new TestKem(), SEEDS, ROUNDS)
                .assertClean();
    }
}
