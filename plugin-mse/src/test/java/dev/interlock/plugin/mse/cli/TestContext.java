package dev.interlock.plugin.mse.cli;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;

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

/** What the host gives a command, built by hand for calling commands directly. */
record TestContext(Scheduler scheduler, ConcurrencyGuard guard) implements PluginContext {

    static TestContext create() {
        Scheduler s = Scheduler.virtualThreads();
        return new TestContext(s, ConcurrencyGuard.inJvm(s));
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
        return System.getLogger("mse-test");
    }

    @Override
    public <T> T instance(Class<T> type) {
        throw new IllegalStateException("the mse commands use no injected instances; asked for " + type);
    }

    /** Output of one command run. */
    record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    Run run(PluginCommand command, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int status = command.run(this, List.of(args), new PluginCommand.Io(new ByteArrayInputStream(new byte[0]), o, e));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
