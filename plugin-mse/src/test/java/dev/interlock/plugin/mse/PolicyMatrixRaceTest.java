package dev.interlock.plugin.mse;

import dev.interlock.testkit.LinkOptions;
import dev.interlock.testkit.RaceHarness;
import dev.interlock.testkit.RaceReport;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policy matrix under seeded chunking, latency and scheduling: seed {@code n} runs pair {@code n % 16} (initiator
 * {@code values()[n / 4 % 4]}, responder {@code values()[n % 4]}) over {@link LinkOptions#randomized} links, checks
 * the documented outcome and a payload exchange both ways. Replay a failing seed with {@code -Dinterlock.seed=N}.
 */
class PolicyMatrixRaceTest {

    /** Total seeds; every pair gets SEEDS / 16. Override with -Dmse.race.seeds=N for a quick run. */
    static final int SEEDS = Integer.getInteger("mse.race.seeds", 10_000);

    @Test
    void policyMatrix_10000SeedsOfChunkingLatencyAndScheduling_noFailures() {
        EncryptionPolicy[] p = EncryptionPolicy.values();
        RaceReport report = RaceHarness.explore("mse policy matrix", 1, SEEDS, s -> {
            int pair = (int) Math.floorMod(s.seed(), 16L);
            PolicyMatrixTest.runPair(s, p[pair / 4], p[pair % 4], LinkOptions.randomized(s.random()));
        });
        report.assertClean();
        assertThat(report.runs()).isEqualTo(SEEDS);
    }

    @Test
    void preferPrefer_seed000Scenario_2000SeedsAllEncrypt() {
        RaceReport report = RaceHarness.explore("mse prefer/prefer (seed 000)", 1_000_001, SEEDS / 5,
                s -> PolicyMatrixTest.runPair(s, EncryptionPolicy.PREFER, EncryptionPolicy.PREFER,
                        LinkOptions.randomized(s.random())));
        report.assertClean();
    }
}
