package dev.interlock.testkit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RaceHarnessTest {

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private String originalSeedProperty;

    @BeforeEach
    void captureOut() {
        originalOut = System.out;
        originalSeedProperty = System.getProperty(RaceHarness.SEED_PROPERTY);
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        System.clearProperty(RaceHarness.SEED_PROPERTY);
    }

    @AfterEach
    void restoreOut() {
        System.setOut(originalOut);
        if (originalSeedProperty == null) {
            System.clearProperty(RaceHarness.SEED_PROPERTY);
        } else {
            System.setProperty(RaceHarness.SEED_PROPERTY, originalSeedProperty);
        }
        originalOut.print(output());
    }

    private String output() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    /** Two tasks increment a counter with a read-modify-write split over two steps: lost updates on some seeds. */
    private static void lostUpdate(DeterministicScheduler s) {
        int[] counter = {0};
        for (int i = 0; i < 2; i++) {
            s.execute(() -> {
                int read = counter[0];
                s.execute(() -> counter[0] = read + 1);
            });
        }
        s.runUntilIdle();
        assertThat(counter[0]).as("counter").isEqualTo(2);
    }

    @Test
    void explore_cleanScenario_runsEverySeedAndPrintsSummary() {
        List<Long> seeds = new ArrayList<>();
        RaceReport report = RaceHarness.explore("clean", 100, 25, s -> seeds.add(s.seed()));
        assertThat(report.runs()).isEqualTo(25);
        assertThat(report.failures()).isEmpty();
        assertThat(report.firstFailingSeed()).isEmpty();
        assertThat(report.isClean()).isTrue();
        report.assertClean();
        assertThat(seeds).hasSize(25).startsWith(100L).endsWith(124L).isSorted();
        assertThat(output()).startsWith("race clean: 25 seeds, 0 failures (");
    }

    @Test
    void explore_racyScenario_reportsFailingSeedsAndReplayHint() {
        RaceReport report = RaceHarness.explore("lost update", 0, 200, RaceHarnessTest::lostUpdate);
        assertThat(report.runs()).isEqualTo(200);
        assertThat(report.failures()).isNotEmpty().hasSizeLessThan(200);
        long first = report.firstFailingSeed().orElseThrow();
        assertThat(report.failures().getFirst().seed()).isEqualTo(first);
        assertThat(report.failures()).extracting(SeedFailure::seed).isSorted();
        assertThat(output())
                .contains("race lost update: 200 seeds, " + report.failures().size() + " failures, first failing seed "
                        + first)
                .contains("-Dinterlock.seed=" + first)
                .contains("RaceHarness.replay(" + first + "L, scenario)")
                .contains("counter");
        assertThatThrownBy(report::assertClean).isInstanceOf(AssertionError.class)
                .hasMessageContaining("first failing seed " + first)
                .hasMessageContaining(report.failures().size() + " of 200 seeds failed")
                .hasMessageContaining("-Dinterlock.seed=" + first)
                .cause().isSameAs(report.failures().getFirst().cause());
    }

    @Test
    void replay_failingSeed_failsAgainWithTheSameOutcome() {
        RaceReport report = RaceHarness.explore("lost update", 0, 200, RaceHarnessTest::lostUpdate);
        for (SeedFailure failure : report.failures()) {
            assertThatThrownBy(() -> RaceHarness.replay(failure.seed(), RaceHarnessTest::lostUpdate))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("seed " + failure.seed())
                    .cause().hasMessage(failure.cause().getMessage());
        }
        long passing = java.util.stream.LongStream.range(0, 200)
                .filter(seed -> report.failures().stream().noneMatch(f -> f.seed() == seed))
                .findFirst().orElseThrow();
        RaceHarness.replay(passing, RaceHarnessTest::lostUpdate);
    }

    @Test
    void explore_seedProperty_runsOnlyThatSeed() {
        long failing = RaceHarness.explore("lost update", 0, 200, RaceHarnessTest::lostUpdate)
                .firstFailingSeed().orElseThrow();
        System.setProperty(RaceHarness.SEED_PROPERTY, Long.toString(failing));
        List<Long> seeds = new ArrayList<>();
        RaceReport report = RaceHarness.explore("lost update", 0, 10_000, s -> {
            seeds.add(s.seed());
            lostUpdate(s);
        });
        assertThat(seeds).containsExactly(failing);
        assertThat(report.runs()).isEqualTo(1);
        assertThat(report.firstFailingSeed()).hasValue(failing);
        assertThat(output()).contains("replaying only seed " + failing);
    }

    @Test
    void explore_badSeedProperty_rejectedNamingTheValue() {
        System.setProperty(RaceHarness.SEED_PROPERTY, "forty-two");
        assertThatThrownBy(() -> RaceHarness.explore("x", 0, 1, s -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("interlock.seed").hasMessageContaining("forty-two");
    }

    @Test
    void explore_zeroSeeds_rejected() {
        assertThatThrownBy(() -> RaceHarness.explore("x", 0, 0, s -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
    }

    @Test
    void explore_checkedExceptionAndTaskFailure_countAsFailures() {
        RaceReport report = RaceHarness.explore("throws", 0, 4, s -> {
            if (s.seed() == 1) {
                throw new java.io.IOException("io");
            }
            if (s.seed() == 3) {
                s.execute(() -> {
                    throw new IllegalStateException("in task");
                });
                s.runUntilIdle();
            }
        });
        assertThat(report.failures()).extracting(SeedFailure::seed).containsExactly(1L, 3L);
        assertThat(report.failures().get(1).cause()).isInstanceOf(AssertionError.class)
                .hasMessageContaining("seed 3").cause().hasMessage("in task");
        assertThat(report.failures().getFirst().replayHint()).contains("-Dinterlock.seed=1");
    }
}
