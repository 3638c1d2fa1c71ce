package dev.interlock.runtime.internal;

import com.google.inject.Injector;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;

import java.nio.file.Path;
import java.util.Objects;

/** The {@link PluginContext} the host gives one plugin; bound in the plugin's injector. Thread-safe. */
final class HostPluginContext implements PluginContext {

    private final String pluginId;
    private final ConcurrencyGuard guard;
    private final Scheduler scheduler;
    private final PluginConfig config;
    private final Path dataDirectory;
    private final System.Logger logger;
    /** Set once the injector exists (the context is bound in it, so it is created first). */
    private volatile Injector injector;

    HostPluginContext(String pluginId, ConcurrencyGuard guard, Scheduler scheduler, PluginConfig config,
            Path dataDirectory) {
        this.pluginId = pluginId;
        this.guard = guard;
        this.scheduler = scheduler;
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.logger = System.getLogger("interlock.plugin." + pluginId);
    }

    void injector(Injector injector) {
        this.injector = Objects.requireNonNull(injector);
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
        return config;
    }

    @Override
    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public System.Logger logger() {
        return logger;
    }

    @Override
    public <T> T instance(Class<T> type) {
        Injector i = injector;
        if (i == null) {
            throw new IllegalStateException("plugin '" + pluginId + "': instance(" + type.getName() + ") was called"
                    + " before the plugin's injector exists (from module() or a constructor?). Fix: inject the"
                    + " dependency instead, or call instance() from start() or a command.");
        }
        return i.getInstance(type);
    }

    @Override
    public String toString() {
        return "PluginContext[" + pluginId + "]";
    }
}
