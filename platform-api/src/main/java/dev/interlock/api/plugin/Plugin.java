package dev.interlock.api.plugin;

import com.google.inject.Module;

import java.util.List;
import java.util.Set;

/**
 * A plugin: a named JPMS module that {@code provides dev.interlock.api.plugin.Plugin with ...}. The host finds it
 * with {@link java.util.ServiceLoader} in the plugin's own module layer, checks {@link #requiredApi()}, builds a Guice
 * child injector from {@link #module()}, and drives the lifecycle.
 *
 * <h2>Lifecycle</h2>
 * <ol>
 *   <li>The host instantiates the plugin class (public no-argument constructor, or a {@code provider()} method) and
 *       reads {@link #id()}, {@link #version()}, {@link #requiredApi()} and {@link #dependencies()}.
 *   <li>It creates the plugin's injector: the host binds {@link PluginContext}, {@link PluginConfig},
 *       {@link dev.interlock.api.guard.ConcurrencyGuard}, {@link dev.interlock.api.exec.Scheduler} and
 *       {@link java.time.Clock}; {@link #module()} adds the plugin's own bindings. The host grants Guice reflective
 *       access to the plugin's packages: no {@code opens} is needed.
 *   <li>{@link #start(PluginContext)} is called in dependency order (dependencies first), each within the host's
 *       start timeout. It should start services and return; long work belongs on the context's scheduler.
 *   <li>{@link #stop()} is called in reverse order, each within the host's stop timeout, only for plugins whose
 *       {@code start} returned normally.
 * </ol>
 * A plugin that throws from {@code start} is reported FAILED with that reason; other plugins carry on.
 *
 * <p>Commands from {@link #commands()} run with an injector but without {@code start} having been called; a command
 * that needs a running service starts it itself (for example a daemon command).
 */
public interface Plugin {

    /** A stable identifier: lower-case letters, digits and '-', e.g. {@code "telegram-bridge"}. */
    String id();

    /** The plugin's own version, for display. */
    String version();

    /**
     * The range of platform API versions this plugin works with, e.g. {@code "[1.0,2.0)"}; see
     * {@link VersionRange#parse(String)} and {@link ApiVersion#CURRENT}.
     */
    String requiredApi();

    /** Ids of plugins that must be started before this one. */
    default Set<String> dependencies() {
        return Set.of();
    }

    /** One line describing the plugin, shown by {@code interlock plugins}. */
    default String description() {
        return "";
    }

    /** The plugin's Guice bindings; empty by default. */
    default Module module() {
        return binder -> { };
    }

    /** Starts the plugin's services. */
    void start(PluginContext context) throws Exception;

    /** Stops what {@link #start} started and releases its resources. */
    void stop() throws Exception;

    /**
     * The plugin's guided tour, run by {@code interlock demo}; empty if it has none. See {@link DemoScenario}.
     */
    default java.util.Optional<DemoScenario> demo() {
        return java.util.Optional.empty();
    }

    /** Commands the plugin adds to the launcher, run as {@code interlock <plugin-id> <command> ...}. */
    default List<PluginCommand> commands() {
        return List.of();
    }
}
