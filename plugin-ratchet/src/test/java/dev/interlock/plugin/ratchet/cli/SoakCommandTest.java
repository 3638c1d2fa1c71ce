package dev.interlock.plugin.ratchet.cli;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.testkit.DeterministicScheduler;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the command directly, as the launcher would, with the real hybrid KEM. */
class SoakCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> config, String... args) throws Exception {
        PluginCommand.Io io = new PluginCommand.Io(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new SoakCommand().run(new Context(config), List.of(args), io);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void soak_fewSeeds_printsOneOkLinePerSeedWithEqualFinalVersions() throws Exception {
        int status = run(Map.of(), "--rounds", "6", "--min-delay", "1", "--seeds", "3", "--first-seed", "40");
        assertThat(status).isZero();
        assertThat(stdout()).contains("kem ML-KEM-768+X25519", "mode random_lag", "min-delay 1 ms", "rounds 6",
                "window 32", "soak: 3 seeds, 0 failures");
        List<String> seedLines = stdout().lines().filter(l -> l.startsWith("seed ")).toList();
        assertThat(seedLines).hasSize(3).allSatisfy(line -> {
            assertThat(line).contains(": ok rounds=6");
            String a = line.replaceAll(".* version A=(\\d+) B=(\\d+).*", "$1");
            String b = line.replaceAll(".* version A=(\\d+) B=(\\d+).*", "$2");
            assertThat(a).isEqualTo(b);
            assertThat(Integer.parseInt(a)).isBetween(6, 12);
        });
        assertThat(seedLines.getFirst()).startsWith("seed 40:");
    }

    @Test
    void soak_oneAtATimeWithConfiguredWindow_finalVersionEqualsRounds() throws Exception {
        int status = run(Map.of("window", "3"), "--rounds", "5", "--seeds", "1", "--mode", "one_at_a_time");
        assertThat(status).isZero();
        assertThat(stdout()).contains("window 3", "version A=5 B=5");
    }

    @Test
    void soak_badArguments_exitTwoWithTheReason() throws Exception {
        assertThat(run(Map.of(), "--rounds", "0")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rounds and --seeds must be at least 1");
        assertThat(run(Map.of(), "--mode", "sideways")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("sideways");
    }

    @Test
    void soak_help_printsUsageAndExitsZero() throws Exception {
        assertThat(run(Map.of(), "--help")).isZero();
        assertThat(stdout()).contains("--rounds", "--min-delay", "--seeds");
    }

    private record Context(Map<String, String> settings) implements PluginContext {
        @Override
        public String pluginId() {
            return "ratchet";
        }

        @Override
        public ConcurrencyGuard guard() {
            return ConcurrencyGuard.inJvm(scheduler());
        }

        @Override
        public Scheduler scheduler() {
            return new DeterministicScheduler(0);
        }

        @Override
        public PluginConfig config() {
            return new MapConfig(settings);
        }

        @Override
        public Path dataDirectory() {
            throw new IllegalStateException("the soak command needs no data directory");
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("ratchet");
        }

        @Override
        public <T> T instance(Class<T> type) {
            throw new IllegalStateException("the soak command needs no injector");
        }
    }

    /** A map-backed config with the documented parsing. */
    record MapConfig(Map<String, String> settings) implements PluginConfig {
        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(settings.get(key));
        }

        @Override
        public int getInt(String key, int defaultValue) {
            String v = settings.get(key);
            if (v == null) {
                return defaultValue;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("plugin ratchet: key " + key + " = '" + v + "' is not an integer");
            }
        }

        @Override
        public Duration getDuration(String key, Duration defaultValue) {
            String v = settings.get(key);
            return v == null ? defaultValue : Duration.parse(v);
        }

        @Override
        public boolean getBoolean(String key, boolean defaultValue) {
            String v = settings.get(key);
            return v == null ? defaultValue : Boolean.parseBoolean(v);
        }

        @Override
        public Set<String> keys() {
            return settings.keySet();
        }

        @Override
        public Map<String, String> asMap() {
            return settings;
        }
    }
}
