package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A host's context for calling the plugin's commands directly: real scheduler and guards, empty config. */
record TestContext(Scheduler scheduler, ConcurrencyGuard guard, Path dataDirectory) implements PluginContext {

    static TestContext create(Path dir) {
        Scheduler s = Scheduler.virtualThreads();
        return new TestContext(s, ConcurrencyGuard.inJvm(s), dir);
    }

    @Override
    public String pluginId() {
        return "voice";
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
    public System.Logger logger() {
        return System.getLogger("voice");
    }

    @Override
    public <T> T instance(Class<T> type) {
        throw new IllegalArgumentException("no binding for " + type.getName() + " in this test context");
    }
}
