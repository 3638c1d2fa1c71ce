package dev.interlock.runtime;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.runtime.internal.HostEngine;
import dev.interlock.runtime.internal.HostSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Loads plugins and drives their lifecycle: the library a host application embeds (the {@code interlock} launcher is
 * one such application).
 *
 * <pre>{@code
 * try (PluginHost host = PluginHost.builder()
 *         .pluginDirectory(Path.of("plugins"))
 *         .dataRoot(Path.of("data"))
 *         .build()) {
 *     host.start();
 *     host.plugins().forEach(System.out::println);
 *     ... // run until asked to stop; close() stops the plugins
 * }
 * }</pre>
 *
 * <h2>Where plugins come from</h2>
 * <ul>
 *   <li><b>The module path</b> (the boot layer): every module there that {@code provides
 *       dev.interlock.api.plugin.Plugin}. Such a plugin must itself {@code opens} its injected packages to
 *       {@code com.google.guice}: access to the boot layer cannot be granted at run time. If it does not, it FAILED
 *       with a reason naming the packages and the {@code opens} line to add.
 *   <li><b>The plugins directory</b>: each sub-folder is one plugin, a set of jars (the plugin's module and the
 *       libraries it needs that the platform does not provide). Each folder becomes its own {@link ModuleLayer} whose
 *       parent is the boot layer, so plugins see the platform but not each other, and may use different versions of
 *       the same library. The host opens every package of the folder's modules to Guice as it defines the layer.
 * </ul>
 *
 * <h2>Add-Exports and Add-Opens in a plugin jar's manifest</h2>
 * A library in a plugin folder sometimes keeps a package its public API needs unexported (bcmls 1.84 forgot to
 * export {@code org.bouncycastle.mls.TreeKEM}). A jar in the folder may then ask for access in its manifest's main
 * section, with the JDK's executable-jar attributes: space-separated {@code <module>/<package>} entries, e.g.
 * <pre>
 * Add-Exports: org.bouncycastle.mls/org.bouncycastle.mls.TreeKEM
 * Add-Opens: org.example.lib/org.example.lib.model
 * </pre>
 * As it defines the folder's layer, the host grants each entry through the layer's {@link ModuleLayer.Controller}:
 * {@code addExports} (or {@code addOpens}) of that package of that module <em>to the module of the jar that asked</em>,
 * and to no one else. The named module must be in the same folder (the plugin's own layer): a platform or JDK module
 * cannot be exported or opened at run time, so an entry naming one makes the plugin FAILED with a reason naming the
 * jar, the attribute, the module and the fix; so does an entry that is malformed, names a module not in the folder,
 * or a package that module does not have (at most 256
 * entries per attribute). In Maven, set them with the maven-jar-plugin's
 * {@code <archive><manifestEntries><Add-Exports>...</Add-Exports></manifestEntries></archive>}; compile with the
 * matching {@code --add-exports module/package=your.module}.
 *
 * <h2>Enable-Native-Access in a plugin jar's manifest</h2>
 * A library that loads native code (sqlite-jdbc) needs native access, which JDK 25 otherwise grants only from the
 * command line and warns about. A jar in the folder may list modules of the same folder, space-separated:
 * <pre>
 * Enable-Native-Access: org.xerial.sqlitejdbc
 * </pre>
 * and the host enables native access for exactly those modules as it defines the layer
 * ({@link ModuleLayer.Controller#enableNativeAccess}). Granting it is itself restricted: the host's module must have
 * native access, so a JVM that embeds the host passes {@code --enable-native-access=dev.interlock.runtime}
 * ({@code bin/interlock} does). Without it, or for a module outside the folder, the plugin is FAILED with a reason
 * that names the flag or the module and the fix, instead of the JVM printing a warning at the first native call.
 *
 * <h2>Checks</h2>
 * A plugin is FAILED, with a reason that names it, its folder or module, what was wrong and the fix, when: its folder
 * carries its own copy of a platform module; a module it requires is missing; its {@code requiredApi()} range does
 * not contain {@link dev.interlock.api.plugin.ApiVersion#CURRENT}; its id is malformed or also used by another plugin
 * (then every plugin with that id is refused); it depends on a plugin that is unknown, FAILED, or in a dependency
 * cycle; its injector cannot be created; its {@code start()} or {@code stop()} throws or exceeds its timeout. The other
 * plugins carry on.
 *
 * <h2>Injection</h2>
 * A parent injector binds the host's {@link Scheduler}, its {@link java.time.Clock} and the
 * {@link ConcurrencyGuard}. Each plugin gets a child injector that adds its
 * {@link dev.interlock.api.plugin.PluginContext}, its {@link dev.interlock.api.plugin.PluginConfig}
 * ({@code <configDirectory>/<id>.properties}, overlaid with {@link Builder#config}) and the bindings of its
 * {@code module()}. Its data directory, {@code <dataRoot>/<id>}, is created with owner-only permissions (0700) during
 * {@link #discover()}.
 *
 * <h2>Lifecycle and threads</h2>
 * {@link #start()} starts plugins one at a time in dependency order (dependencies first, ties by id);
 * {@link #stop()} stops the started ones in reverse order. Each call of plugin code (injector creation, start, stop)
 * runs on its own virtual thread, with the plugin's class loader as context class loader; the host waits for it up
 * to the start or stop timeout, then interrupts and abandons it and carries on with the next plugin. These waits use
 * real time, not the injected scheduler's, because they guard against plugin code that never returns.
 *
 * <p>{@link #discover()}, {@link #start()} and {@link #stop()} are serialised with each other and idempotent;
 * {@link #plugins()} never blocks. A stopped host cannot be started again.
 */
public final class PluginHost implements AutoCloseable {

    private final HostEngine engine;

    private PluginHost(HostEngine engine) {
        this.engine = engine;
    }

    /** A builder with the defaults documented on each of its methods. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Finds, checks and injects every plugin (state {@link PluginState#RESOLVED} or {@link PluginState#FAILED}),
     * starting none. Idempotent: later calls return the current statuses.
     *
     * @return the statuses, in discovery order: module path first, then plugin folders by name
     * @throws java.io.UncheckedIOException if the plugins directory exists but cannot be listed
     * @throws InterruptedException          if interrupted while waiting for a plugin's injector
     */
    public List<PluginStatus> discover() throws InterruptedException {
        return engine.discover();
    }

    /**
     * Starts every resolved plugin in dependency order (discovering first if needed). A plugin whose start fails or
     * times out, or whose dependency did not start, is FAILED; the others still start.
     *
     * @throws IllegalStateException if this host was stopped
     * @throws InterruptedException  if interrupted while waiting for a plugin's start
     */
    public List<PluginStatus> start() throws InterruptedException {
        return engine.start();
    }

    /**
     * Stops the started plugins in reverse start order, each within the stop timeout; a stop that throws or hangs
     * makes that plugin FAILED and the rest are still stopped. Idempotent; never throws for a plugin's failure.
     */
    public List<PluginStatus> stop() {
        return engine.stop();
    }

    /** The current statuses, in discovery order (empty before {@link #discover()}). Never blocks. */
    public List<PluginStatus> plugins() {
        return engine.plugins();
    }

    /** The one-line description of a discovered plugin, or {@code ""}. */
    public String description(String pluginId) {
        return engine.description(pluginId);
    }

    /** The commands a resolved plugin contributes to the launcher; empty for an unknown or FAILED plugin. */
    public List<PluginCommand> commands(String pluginId) {
        return engine.commands(pluginId);
    }

    /**
     * Runs command {@code command} of plugin {@code pluginId} on the calling thread: the plugin is injected (and
     * discovered first if needed) but need not be started.
     *
     * @return the command's exit status
     * @throws IllegalArgumentException if there is no such plugin or command (the message lists the ones there are)
     * @throws IllegalStateException    if the plugin FAILED (the message gives its reason)
     * @throws Exception                whatever the command throws
     */
    public int runCommand(String pluginId, String command, List<String> args, PluginCommand.Io io) throws Exception {
        Objects.requireNonNull(pluginId, "pluginId");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(io, "io");
        return engine.runCommand(pluginId, command, args, io);
    }

    /**
     * Runs plugin {@code pluginId}'s demo scenario ({@link dev.interlock.api.plugin.Plugin#demo()}) on a virtual thread
     * of its own, with the plugin injected (discovered first if needed) but not started, and waits for it at most
     * {@code timeout}. A scenario that does not return in time is interrupted and abandoned (reported
     * {@link DemoReport.Outcome#ERROR}); progress lines it emits after that are dropped. {@code progress} receives the
     * scenario's own lines, from the scenario's threads: it must be thread-safe and must not block.
     *
     * @return the report; a plugin that FAILED, or an unknown id, gives {@link DemoReport.Outcome#FAILED_TO_LOAD}
     * @throws InterruptedException if interrupted while waiting (the scenario is interrupted too)
     */
    public DemoReport runDemo(String pluginId, Duration timeout, java.util.function.Consumer<String> progress)
            throws InterruptedException {
        Objects.requireNonNull(pluginId, "pluginId");
        Objects.requireNonNull(progress, "progress");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return engine.runDemo(pluginId, timeout, progress);
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * Builds a {@link PluginHost}. Each option may be set once (setting it twice throws
     * {@link IllegalStateException} naming it); {@link #dataRoot} is required. {@link #build()} leaves the builder
     * reusable.
     */
    public static final class Builder {

        /** The default limit for creating a plugin's injector and for its {@code start()}: 30 seconds. */
        public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(30);
        /** The default limit for a plugin's {@code stop()}: 10 seconds. */
        public static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

        private Path pluginDirectory;
        private Path dataRoot;
        private Path configDirectory;
        private Scheduler scheduler;
        private String guardProvider;
        private Duration startTimeout;
        private Duration stopTimeout;
        private final Map<String, Map<String, String>> overrides = new TreeMap<>();

        private Builder() {
        }

        /** The plugins directory (one sub-folder per plugin). Default: none (module path only). */
        public Builder pluginDirectory(Path dir) {
            once(pluginDirectory, "pluginDirectory");
            pluginDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /** The parent of every plugin's data directory ({@code <dataRoot>/<id>}). Required. */
        public Builder dataRoot(Path dir) {
            once(dataRoot, "dataRoot");
            dataRoot = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /** Where {@code <id>.properties} configuration files are read. Default: none (only overrides). */
        public Builder configDirectory(Path dir) {
            once(configDirectory, "configDirectory");
            configDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
            return this;
        }

        /** Time and execution for plugins and guards. Default: {@link Scheduler#virtualThreads()}. */
        public Builder scheduler(Scheduler scheduler) {
            once(this.scheduler, "scheduler");
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The name of the {@code ConcurrencyGuardProvider} to use. Default: {@value ConcurrencyGuard#IN_JVM}. */
        public Builder guardProvider(String name) {
            once(guardProvider, "guardProvider");
            guardProvider = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * The limit for each plugin's {@code start()}, and for creating its injector (which is allowed at least 30 s
         * whatever this says, because the first injectors of a cold JVM are slow). Default: 30 s.
         */
        public Builder startTimeout(Duration timeout) {
            once(startTimeout, "startTimeout");
            startTimeout = positive(timeout, "startTimeout");
            return this;
        }

        /** The limit for each plugin's {@code stop()}. Default: 10 s. */
        public Builder stopTimeout(Duration timeout) {
            once(stopTimeout, "stopTimeout");
            stopTimeout = positive(timeout, "stopTimeout");
            return this;
        }

        /** Sets configuration {@code key} of plugin {@code pluginId}, over its properties file. Once per key. */
        public Builder config(String pluginId, String key, String value) {
            Objects.requireNonNull(pluginId, "pluginId");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            Map<String, String> forPlugin = overrides.computeIfAbsent(pluginId, k -> new TreeMap<>());
            if (forPlugin.containsKey(key)) {
                throw new IllegalStateException("config '" + key + "' of plugin '" + pluginId + "' was already set");
            }
            forPlugin.put(key, value);
            return this;
        }

        /**
         * Builds the host. The guard provider is looked up now, so a misspelt name fails here.
         *
         * @throws IllegalStateException    if {@link #dataRoot} was not set
         * @throws IllegalArgumentException if no guard provider has the requested name
         */
        public PluginHost build() {
            if (dataRoot == null) {
                throw new IllegalStateException("dataRoot is required: every plugin gets a data directory under it");
            }
            Scheduler s = scheduler != null ? scheduler : Scheduler.virtualThreads();
            ConcurrencyGuard guard = ConcurrencyGuard.load(guardProvider != null ? guardProvider
                    : ConcurrencyGuard.IN_JVM, s);
            Map<String, Map<String, String>> copy = new TreeMap<>();
            overrides.forEach((id, values) -> copy.put(id, Map.copyOf(values)));
            return new PluginHost(new HostEngine(new HostSettings(pluginDirectory, dataRoot, configDirectory, s, guard,
                    startTimeout != null ? startTimeout : DEFAULT_START_TIMEOUT,
                    stopTimeout != null ? stopTimeout : DEFAULT_STOP_TIMEOUT, copy)));
        }

        private static void once(Object current, String option) {
            if (current != null) {
                throw new IllegalStateException(option + " was already set to " + current);
            }
        }

        private static Duration positive(Duration d, String option) {
            Objects.requireNonNull(d, option);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(option + " must be positive, was " + d);
            }
            return d;
        }
    }
}
