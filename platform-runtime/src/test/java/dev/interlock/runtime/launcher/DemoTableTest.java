package dev.interlock.runtime.launcher;

import dev.interlock.api.plugin.DemoResult;
import dev.interlock.runtime.DemoReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DemoTableTest {

    @Test
    void of_everyOutcome_oneRowEachInvariantsOnContinuationLinesLongRanCut() {
        String n = System.lineSeparator();
        List<DemoReport> reports = List.of(
                new DemoReport("a", DemoReport.Outcome.PASS, "d", "ran a", List.of(
                        DemoResult.Invariant.expect("x", 1, 1), DemoResult.Invariant.expect("y", 0, 2)),
                        Duration.ofMillis(1250), ""),
                new DemoReport("bb", DemoReport.Outcome.ERROR, "z".repeat(120), "", List.of(), Duration.ofSeconds(20),
                        "timed out"),
                new DemoReport("c", DemoReport.Outcome.NO_DEMO, "", "", List.of(), Duration.ZERO, ""),
                new DemoReport("d", DemoReport.Outcome.FAILED_TO_LOAD, "", "", List.of(), Duration.ZERO, "why"));
        String cut = "z".repeat(87) + "...";
        String pad = " ".repeat(cut.length() - 5);
        assertThat(DemoTable.of(reports)).isEqualTo(
                "PLUGIN  RESULT   TIME    RAN" + " ".repeat(cut.length() - 1) + "CHECKED" + n
                        + "a       PASS     1.3 s   ran a" + pad + "  x: 1" + n
                        + " ".repeat(27 + cut.length()) + "y: 2  (VIOLATED)" + n
                        + "bb      ERROR    20.0 s  " + cut + "  timed out" + n
                        + "c       no demo  -       -" + n
                        + "d       FAILED   -       -" + " ".repeat(cut.length() + 1) + "plugin FAILED to load: why" + n);
    }
}
