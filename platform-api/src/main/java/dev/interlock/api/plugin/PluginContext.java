package dev.interlock.api.plugin;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;

import java.nio.file.Path;

/** What the host gives a plugin. Also bound in the plugin's injector. */
public interface PluginContext {

    /** The plugin's id. */
    String pluginId();

    /** The guards, over the host's scheduler. */
    ConcurrencyGuard guard();

    /** The host's time and execution. */
    Scheduler scheduler();

    /** The plugin's configuration. */
    PluginConfig config();

    /** A directory that belongs to this plugin alone; it exists and is readable and writable only by its owner. */
    Path dataDirectory();

    /** A logger named after the plugin. Never log secrets. */
    System.Logger logger();

    /** An instance from the plugin's injector (its own bindings and the host's). */
    <T> T instance(Class<T> type);
}
