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

/** The plugin's {@code interlock demo} scenario, run as the launcher runs it: injector-ready context, not started. */
class VoiceDemoTest {

    @Test
    void demo_runAgainstEmbeddedServer_everyInvariantHolds(@TempDir Path dir) throws Exception {
        DemoScenario demo = new VoicePlugin().demo().orElseThrow();
        assertThat(demo.description()).contains("1652 events").contains("6 graceful drops");
        List<String> progress = new CopyOnWriteArrayList<>();
        long t0 = System.nanoTime();
        DemoResult result = demo.run(TestContext.create(dir), progress::add);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        progress.forEach(line -> System.out.println("progress: " + line));
        System.out.println("ran: " + result.ran() + " in " + ms + " ms");
        result.invariants().forEach(i -> System.out.println("  " + (i.holds() ? "ok  " : "FAIL") + " " + i.name()
                + ": " + i.observed()));
        assertThat(result.invariants()).allSatisfy(i -> assertThat(i.holds()).as(i.name() + ": " + i.observed())
                .isTrue());
        assertThat(result.passed()).isTrue();
        assertThat(result.invariants()).extracting(DemoResult.Invariant::name).contains("events sent",
                "events received exactly once, in order", "reconnects (one per forced disconnect)", "duplicates",
                "transcripts echoed as modelled");
        assertThat(progress).anySatisfy(l -> assertThat(l).contains("gracefully"))
                .anySatisfy(l -> assertThat(l).contains("client disconnects"))
                .anySatisfy(l -> assertThat(l).contains("/drop"))
                .noneSatisfy(l -> assertThat(l).contains("ek_demo_"));
        assertThat(result.ran()).doesNotContain("ek_demo_");
    }
}
