package dev.interlock.plugin.mse.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.testkit.TestPluginContext;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MsePlugin;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo scenario over real loopback TCP with the production scheduler. */
class MseDemoTest {

    @Test
    void demo_fromThePlugin_allSixteenPairsMatchTheMatrixAndEchoIntact() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = new MsePlugin().demo().orElseThrow().run(TestPluginContext.of("mse", Scheduler.virtualThreads()), progress::add);
        assertThat(result.passed()).as("%s", result).isTrue();
        assertThat(result.ran()).isEqualTo("16 policy pairs concurrently, 14 sessions, 896 KiB echoed");
        assertThat(result.invariants()).extracting(i -> i.name() + ": " + i.observed()).containsExactly(
                "pairs matching the matrix: 16/16",
                "'prefer' x 'prefer' encrypts in 1 attempt (seed 000): yes",
                "bytes echoed intact: " + 14 * MseDemo.ECHO_BYTES,
                "responder sessions closed after initiator close: 14/14");
        assertThat(progress).hasSize(6).contains(
                "initiator prefer: disabled plain/2, allow rc4/1, prefer rc4/1, required rc4/1",
                "initiator required: disabled rejected, allow rc4/1, prefer rc4/1, required rc4/1",
                "all sockets closed");
    }

    @Test
    void demo_expectationOfTheSeedBug_reportedAsFailingInvariant() throws Exception {
        // Seed 000's bug: 'prefer' x 'prefer' ended in plain text. A demo expecting that must fail, naming the pair.
        MseDemo demo = new MseDemo((i, r) -> i == EncryptionPolicy.PREFER && r == EncryptionPolicy.PREFER
                ? new MseDemo.Outcome("plain", 1) : MseDemo.documentedMatrix(i, r));
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = demo.run(TestPluginContext.of("mse", Scheduler.virtualThreads()), progress::add);
        assertThat(result.passed()).isFalse();
        assertThat(result.invariants().getFirst()).isEqualTo(
                new DemoResult.Invariant("pairs matching the matrix", "15/16", false));
        assertThat(progress).contains("initiator prefer: disabled plain/2, allow rc4/1,"
                + " prefer rc4/1 (NOT the matrix), required rc4/1");
    }
}
