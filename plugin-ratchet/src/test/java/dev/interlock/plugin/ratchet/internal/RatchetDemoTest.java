package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.testkit.TestPluginContext;
import dev.interlock.plugin.ratchet.KeyExchange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo scenario: real loopback TCP, the production scheduler, the real hybrid key exchange. */
class RatchetDemoTest {

    @Test
    void demo_fromThePlugin_thirtySimultaneousRoundsPassEveryInvariant() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = new RatchetPlugin().demo().orElseThrow().run(TestPluginContext.of("ratchet", Scheduler.virtualThreads())
                // the key exchange the plugin's module binds
                .withInstance(KeyExchange.class, KeyExchange.hybridMlKem768X25519()), progress::add);
        assertThat(result.passed()).as("%s", result).isTrue();
        assertThat(result.invariants()).extracting(i -> i.name() + ": " + i.observed()).containsExactly(
                "rounds timed out: 0", "rounds run: 30", "versions equal: yes",
                "pending exchanges after round (limit 1): " + result.invariants().get(3).observed(),
                "messages lost/duplicated: 0/0", "messages in send order: yes", "frames rejected: 0");
        assertThat(result.invariants().get(3).observed()).matches("max [01]");
        assertThat(result.ran()).startsWith("30 simultaneous rekey rounds (").contains("600 messages, window 6");
        assertThat(progress.getFirst()).startsWith("connected over /127.0.0.1:").endsWith("ML-KEM-768+X25519");
        assertThat(progress).contains("messages all delivered; closing")
                .anyMatch(l -> l.startsWith("round 30/30: version "));
    }

    @Test
    void demo_roundBoundTooShortToRekey_reportsTimedOutRoundAsFailing() throws Exception {
        RatchetDemo demo = new RatchetDemo(3, Duration.ofNanos(1));
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = demo.run(TestPluginContext.of("ratchet", Scheduler.virtualThreads())
                // the key exchange the plugin's module binds
                .withInstance(KeyExchange.class, KeyExchange.hybridMlKem768X25519()), progress::add);
        assertThat(result.passed()).isFalse();
        assertThat(result.invariants().getFirst()).isEqualTo(new DemoResult.Invariant("rounds timed out", "1", false));
        assertThat(progress).contains("round 1 did not complete within 0 ms; stopping");
    }

    @Test
    void counts_lostDuplicatedAndReordered_detected() {
        assertThat(RatchetDemo.counts(List.of("i0", "i1", "i2"), "i", 3)).isEqualTo(new RatchetDemo.Counts(0, 0, true));
        assertThat(RatchetDemo.counts(List.of("i0", "i2"), "i", 3)).isEqualTo(new RatchetDemo.Counts(1, 0, false));
        assertThat(RatchetDemo.counts(List.of("i0", "i1", "i1", "i2"), "i", 3))
                .isEqualTo(new RatchetDemo.Counts(0, 1, false));
        assertThat(RatchetDemo.counts(List.of("i1", "i0", "i2"), "i", 3)).isEqualTo(new RatchetDemo.Counts(0, 0, false));
    }
}
