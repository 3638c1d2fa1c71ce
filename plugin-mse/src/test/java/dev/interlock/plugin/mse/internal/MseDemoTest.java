package dev.interlock.plugin.mse.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MsePlugin;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo scenario over real loopback TCP with the production scheduler. */
class MseDemoTest {

    private record Context(Scheduler scheduler, ConcurrencyGuard guard) implements PluginContext {
        static Context create() {
            Scheduler s = Scheduler.virtualThreads();
            return new Context(s, ConcurrencyGuard.inJvm(s));
        }

        @Override
        public String pluginId() {
            return "mse";
        }

        @Override
        public PluginConfig config() {
            return new PluginConfig() {
                @Override
                public Optional<String> get(String key) {
                    return Optional.empty();
                }

                @Override
                public int getInt(String key, int defaultValue) {
                    return defaultValue;
                }

                @Override
                public Duration getDuration(String key, Duration defaultValue) {
                    return defaultValue;
                }

                @Override
                public boolean getBoolean(String key, boolean defaultValue) {
                    return defaultValue;
                }

                @Override
                public Set<String> keys() {
                    return Set.of();
                }

                @Override
                public Map<String, String> asMap() {
                    return Map.of();
                }
            };
        }

        @Override
        public Path dataDirectory() {
            return Path.of(System.getProperty("java.io.tmpdir"));
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("mse-demo-test");
        }

        @Override
        public <T> T instance(Class<T> type) {
            throw new IllegalStateException("the demo uses no injected instances; asked for " + type);
        }
    }

    @Test
    void demo_fromThePlugin_allSixteenPairsMatchTheMatrixAndEchoIntact() throws Exception {
        List<String> progress = new CopyOnWriteArrayList<>();
        DemoResult result = new MsePlugin().demo().orElseThrow().run(Context.create(), progress::add);
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
        DemoResult result = demo.run(Context.create(), progress::add);
        assertThat(result.passed()).isFalse();
        assertThat(result.invariants().getFirst()).isEqualTo(
                new DemoResult.Invariant("pairs matching the matrix", "15/16", false));
        assertThat(progress).contains("initiator prefer: disabled plain/2, allow rc4/1,"
                + " prefer rc4/1 (NOT the matrix), required rc4/1");
    }
}
