package dev.interlock.plugin.voice;

import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.plugin.voice.internal.VoicePlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The plugin's {@code interlock demo} scenario, run as the launcher runs it: injector-ready context, not started.
 * Run {@code -Dvoice.demoRuns} times (default 20): the demo once hung in 1 run of about 20 (a TCP reset the JDK never
 * reported, and a wait for an event the reset had taken), so one run proves little.
 */
class VoiceDemoTest {

    static final int RUNS = Integer.getInteger("voice.demoRuns", 20);

    @Test
    void demo_runAgainstEmbeddedServer_everyInvariantHolds(@TempDir Path dir) throws Exception {
        DemoScenario demo = new VoicePlugin().demo().orElseThrow();
        assertThat(demo.description()).contains("1652 events").contains("6 graceful drops")
                .contains("400 more through 2 abrupt ones");
        long slowest = 0;
        for (int run = 1; run <= RUNS; run++) {
            List<String> progress = new CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            DemoResult result;
            try {
                result = demo.run(TestContext.create(dir), progress::add);
            } catch (Exception e) {
                progress.forEach(line -> System.out.println("progress: " + line));
                throw new AssertionError("run " + run + " of " + RUNS + " failed: " + e.getMessage(), e);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            slowest = Math.max(slowest, ms);
            if (!result.passed() || run == 1) {
                progress.forEach(line -> System.out.println("progress: " + line));
                System.out.println("run " + run + ": " + result.ran() + " in " + ms + " ms");
                result.invariants().forEach(i -> System.out.println("  " + (i.holds() ? "ok  " : "FAIL") + " "
                        + i.name() + ": " + i.observed()));
            }
            if (!result.passed()) {
                fail("run " + run + " of " + RUNS + ": an invariant does not hold (see the output above)");
            }
            assertThat(result.invariants()).extracting(DemoResult.Invariant::name).contains("events sent",
                    "events received exactly once, in order", "reconnects (one per forced disconnect)", "duplicates",
                    "transcripts echoed as modelled",
                    "after abrupt drops: each event at most once, in order, none left unsent");
            assertThat(progress).anySatisfy(l -> assertThat(l).contains("gracefully"))
                    .anySatisfy(l -> assertThat(l).contains("client disconnects"))
                    .anySatisfy(l -> assertThat(l).contains("/drop"))
                    .anySatisfy(l -> assertThat(l).contains("no closing handshake"))
                    .noneSatisfy(l -> assertThat(l).contains("ek_demo_"));
            assertThat(result.ran()).doesNotContain("ek_demo_");
        }
        System.out.println(RUNS + " runs passed; slowest " + slowest + " ms");
    }
}
