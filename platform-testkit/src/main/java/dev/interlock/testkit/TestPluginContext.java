package dev.interlock.testkit;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link PluginContext} built by hand, for calling a plugin's commands and demo scenarios directly in a test,
 * without a host: the in-JVM guards over the given scheduler, an empty configuration (every typed getter returns its
 * default), a data directory, a logger named after the plugin, and only the injected instances the test registers.
 * Immutable: the {@code with*} methods return a new context.
 */
public final class TestPluginContext implements PluginContext {

    private final String pluginId;
    private final Scheduler scheduler;
    private final ConcurrencyGuard guard;
    private final Path dataDirectory;
    private final Map<Class<?>, Object> instances;

    private TestPluginContext(String pluginId, Scheduler scheduler, ConcurrencyGuard guard, Path dataDirectory,
            Map<Class<?>, Object> instances) {
        this.pluginId = pluginId;
        this.scheduler = scheduler;
        this.guard = guard;
        this.dataDirectory = dataDirectory;
        this.instances = instances;
    }

    /** A context for {@code pluginId} over {@code scheduler}; the data directory is the JVM's temporary directory. */
    public static TestPluginContext of(String pluginId, Scheduler scheduler) {
        Objects.requireNonNull(pluginId, "pluginId");
        Objects.requireNonNull(scheduler, "scheduler");
        return new TestPluginContext(pluginId, scheduler, ConcurrencyGuard.inJvm(scheduler),
                Path.of(System.getProperty("java.io.tmpdir")), Map.of());
    }

    /** The same context with another data directory. */
    public TestPluginContext withDataDirectory(Path directory) {
        return new TestPluginContext(pluginId, scheduler, guard, Objects.requireNonNull(directory, "directory"),
                instances);
    }

    /** The same context, with {@code instance} returned by {@link #instance(Class)} for {@code type}. */
    public <T> TestPluginContext withInstance(Class<T> type, T instance) {
        Map<Class<?>, Object> more = new java.util.HashMap<>(instances);
        more.put(Objects.requireNonNull(type, "type"), type.cast(Objects.requireNonNull(instance, "instance")));
        return new TestPluginContext(pluginId, scheduler, guard, dataDirectory, Map.copyOf(more));
    }

    @Override
    public String pluginId() {
        return pluginId;
    }

    @Override
    public ConcurrencyGuard guard() {
        return guard;
    }

    @Override
    public Scheduler scheduler() {
        return scheduler;
    }

    @Override
    public PluginConfig config() {
        return EmptyConfig.INSTANCE;
    }

    @Override
    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public System.Logger logger() {
        return System.getLogger(pluginId);
    }

    /**
     * The instance registered with {@link #withInstance}.
     *
     * @throws IllegalStateException naming the type, if none was registered
     */
    @Override
    public <T> T instance(Class<T> type) {
        Object found = instances.get(type);
        if (found == null) {
            throw new IllegalStateException("no instance of " + type.getName() + " in this test context of plugin '"
                    + pluginId + "'; registered: " + instances.keySet() + ". Fix: TestPluginContext.withInstance("
                    + type.getSimpleName() + ".class, ...)");
        }
        return type.cast(found);
    }

    /** Nothing set: every getter answers its default. */
    private enum EmptyConfig implements PluginConfig {
        INSTANCE;

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
    }
}
