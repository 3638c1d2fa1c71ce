package dev.interlock.plugin.telegram.cli;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link PluginContext} for running the plugin's commands without the launcher (see {@link BridgeMain}) and for
 * embedding. {@link #instance(Class)} knows the context's own parts only; there is no injector.
 */
public record StandaloneContext(String pluginId, ConcurrencyGuard guard, Scheduler scheduler, PluginConfig config,
                                Path dataDirectory, System.Logger logger) implements PluginContext {

    public StandaloneContext {
        Objects.requireNonNull(pluginId, "pluginId");
        Objects.requireNonNull(guard, "guard");
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(logger, "logger");
    }

    /** A context over {@code scheduler} with the in-JVM guards and the given settings. */
    public static StandaloneContext of(Scheduler scheduler, Map<String, String> settings, Path dataDirectory) {
        return new StandaloneContext("telegram-bridge", ConcurrencyGuard.inJvm(scheduler), scheduler,
                new MapPluginConfig("telegram-bridge", settings), dataDirectory,
                System.getLogger("dev.interlock.plugin.telegram"));
    }

    @Override
    public <T> T instance(Class<T> type) {
        Object v;
        if (type == Scheduler.class) {
            v = scheduler;
        } else if (type == ConcurrencyGuard.class) {
            v = guard;
        } else if (type == PluginConfig.class) {
            v = config;
        } else if (type == PluginContext.class) {
            v = this;
        } else {
            throw new IllegalArgumentException("a standalone context has no injector: it provides Scheduler,"
                    + " ConcurrencyGuard, PluginConfig and PluginContext, not " + type.getName()
                    + ". Fix: run the command through the interlock launcher");
        }
        return type.cast(v);
    }
}
