package dev.interlock.runtime.internal;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import com.google.inject.spi.Message;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.ApiVersion;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.api.plugin.VersionRange;
import dev.interlock.runtime.DemoReport;
import dev.interlock.runtime.PluginState;
import dev.interlock.runtime.PluginStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The host's engine behind {@code dev.interlock.runtime.PluginHost}: discovery, checks, injection and lifecycle.
 *
 * <h2>Design</h2>
 * One lock (this object's monitor) serialises {@link #discover()}, {@link #start()} and {@link #stop()}; a status
 * snapshot is republished after every change, so {@link #plugins()} never blocks behind a slow start. Plugin code
 * (module(), start(), stop()) runs on a virtual thread per call through {@link TimedCall}, bounded by the host's
 * timeouts. Plugin metadata getters (id(), version(), ...) are called directly: they are documented as plain getters.
 *
 * <p>Host phases: NEW -> DISCOVERED -> STARTED -> STOPPED. A stopped host cannot start again (build a new one):
 * plugins' {@code stop()} is documented as releasing their resources for good.
 */
public final class HostEngine {

    private static final System.Logger LOG = System.getLogger("interlock.host");
    /** The least time allowed for creating one plugin's injector: 30 seconds. */
    static final java.time.Duration MIN_INJECT_TIMEOUT = java.time.Duration.ofSeconds(30);

    private enum Phase { NEW, DISCOVERED, STARTED, STOPPED }

    private final HostSettings settings;
    private final PluginLocator locator = new PluginLocator();

    private Phase phase = Phase.NEW;
    /** Every plugin (and failed folder), in discovery order: module path first, then folders by name. */
    private List<PluginRecord> records = List.of();
    /**
     * {@link #records}, published (volatile write) once discovery has finished mutating them, for the lock-free
     * lookups of {@link #description}, {@link #commands} and {@link #runCommand}.
     */
    private volatile List<PluginRecord> discovered = List.of();
    /** Plugins that passed the checks, in dependency order (dependencies first). */
    private List<PluginRecord> order = List.of();
    /** Plugins whose start() returned normally, in start order. */
    private final List<PluginRecord> started = new ArrayList<>();
    private volatile List<PluginStatus> snapshot = List.of();

    public HostEngine(HostSettings settings) {
        this.settings = settings;
    }

    /** The latest snapshot, in discovery order. Never blocks. */
    public List<PluginStatus> plugins() {
        return snapshot;
    }

    /** Finds, checks and injects every plugin; idempotent. */
    public synchronized List<PluginStatus> discover() throws InterruptedException {
        if (phase != Phase.NEW) {
            return snapshot;
        }
        List<PluginRecord> all = new ArrayList<>();
        all.addAll(locator.fromModulePath());
        if (settings.pluginDirectory() != null) {
            try {
                all.addAll(locator.fromDirectory(settings.pluginDirectory()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list the plugins directory " + settings.pluginDirectory()
                        + ": " + e.getMessage() + ". Fix: point the host at a readable directory (--plugin-dir).", e);
            }
        }
        records = List.copyOf(all);
        for (PluginRecord r : records) {
            if (!r.isFailed()) {
                readMetadata(r);
            }
        }
        failDuplicates();
        order = dependencyOrder();
        publish();
        inject();
        phase = Phase.DISCOVERED;
        discovered = records;
        publish();
        return snapshot;
    }

    /** Starts every resolved plugin in dependency order; discovers first if needed. */
    public synchronized List<PluginStatus> start() throws InterruptedException {
        if (phase == Phase.NEW) {
            discover();
        }
        if (phase == Phase.STOPPED) {
            throw new IllegalStateException("this plugin host has been stopped; a stopped host cannot start again."
                    + " Fix: build a new PluginHost.");
        }
        if (phase == Phase.STARTED) {
            return snapshot;
        }
        phase = Phase.STARTED;
        Map<String, PluginRecord> byId = liveById();
        for (PluginRecord r : order) {
            if (r.state() != PluginState.RESOLVED) {
                continue;
            }
            String notStarted = r.dependencies.stream()
                    .filter(d -> byId.get(d) == null || byId.get(d).state() != PluginState.STARTED)
                    .sorted().findFirst().orElse(null);
            if (notStarted != null) {
                r.fail(Messages.dependencyNotStarted(r.id, notStarted));
                publish();
                continue;
            }
            TimedCall.Outcome<Object> outcome;
            try {
                outcome = TimedCall.run("interlock-start-" + r.id, r.classLoader(), settings.startTimeout(), () -> {
                    r.plugin.start(r.context);
                    return null;
                });
            } catch (InterruptedException e) {
                r.fail("start() was abandoned because the host was interrupted while waiting for it");
                publish();
                throw e;
            }
            if (outcome.ok()) {
                r.moveTo(PluginState.STARTED);
                started.add(r);
            } else if (outcome.timedOut()) {
                r.fail(Messages.timedOut("start", settings.startTimeout()));
                LOG.log(System.Logger.Level.ERROR, "plugin ''{0}'': {1}", r.id, r.reason());
            } else {
                r.fail(Messages.threw("start", outcome.failure()));
                LOG.log(System.Logger.Level.ERROR, "plugin '" + r.id + "': start() failed", outcome.failure());
            }
            publish();
        }
        return snapshot;
    }

    /**
     * Stops every started plugin in reverse start order, each within the stop timeout. A stop that throws or hangs
     * makes that plugin FAILED and the others are still stopped. If the calling thread is interrupted, the plugin
     * being stopped is abandoned and the remaining ones are still stopped; the interrupt status is then restored.
     * Idempotent.
     */
    public synchronized List<PluginStatus> stop() {
        if (phase != Phase.STARTED) {
            phase = Phase.STOPPED;
            return snapshot;
        }
        phase = Phase.STOPPED;
        boolean interrupted = false;
        for (int i = started.size() - 1; i >= 0; i--) {
            PluginRecord r = started.get(i);
            if (r.state() != PluginState.STARTED) {
                continue;
            }
            try {
                TimedCall.Outcome<Object> outcome = TimedCall.run("interlock-stop-" + r.id, r.classLoader(),
                        settings.stopTimeout(), () -> {
                            r.plugin.stop();
                            return null;
                        });
                if (outcome.ok()) {
                    r.moveTo(PluginState.STOPPED);
                } else if (outcome.timedOut()) {
                    r.fail(Messages.timedOut("stop", settings.stopTimeout()));
                    LOG.log(System.Logger.Level.ERROR, "plugin ''{0}'': {1}", r.id, r.reason());
                } else {
                    r.fail(Messages.threw("stop", outcome.failure()));
                    LOG.log(System.Logger.Level.ERROR, "plugin '" + r.id + "': stop() failed", outcome.failure());
                }
            } catch (InterruptedException e) {
                interrupted = true;
                r.fail("stop() was abandoned because the host was interrupted while waiting for it");
            }
            publish();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return snapshot;
    }

    /** The description of a plugin that was discovered, or {@code ""}. */
    public String description(String pluginId) {
        PluginRecord r = find(pluginId);
        if (r == null || r.plugin == null) {
            return "";
        }
        try {
            String d = r.plugin.description();
            return d == null ? "" : d;
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The commands a resolved (or started) plugin contributes. */
    public List<PluginCommand> commands(String pluginId) {
        PluginRecord r = find(pluginId);
        return r == null || r.isFailed() ? List.of() : r.commands;
    }

    /**
     * Runs one of a plugin's commands on the calling thread, with the plugin injected but not necessarily started.
     *
     * @throws IllegalArgumentException if there is no such plugin or command (naming the ones there are)
     * @throws IllegalStateException    if the plugin FAILED (with its reason)
     */
    public int runCommand(String pluginId, String commandName, List<String> args, PluginCommand.Io io)
            throws Exception {
        discover();
        PluginRecord r = find(pluginId);
        if (r == null) {
            throw new IllegalArgumentException("there is no plugin '" + pluginId + "'; plugins found: "
                    + discovered.stream().map(x -> x.id).collect(Collectors.joining(", ", "[", "]")));
        }
        if (r.isFailed()) {
            throw new IllegalStateException("plugin '" + pluginId + "' FAILED: " + r.reason());
        }
        PluginCommand command = r.commands.stream().filter(c -> commandName.equals(c.name())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("plugin '" + pluginId + "' has no command '"
                        + commandName + "'; its commands: "
                        + r.commands.stream().map(PluginCommand::name).collect(Collectors.joining(", ", "[", "]"))));
        Thread current = Thread.currentThread();
        ClassLoader previous = current.getContextClassLoader();
        current.setContextClassLoader(r.classLoader());
        try {
            return command.run(r.context, List.copyOf(args), io);
        } finally {
            current.setContextClassLoader(previous);
        }
    }

    /**
     * Runs plugin {@code pluginId}'s demo scenario on a virtual thread of its own (context class loader: the plugin's),
     * with the plugin injected but not started, and waits for it at most {@code timeout}; on timeout the thread is
     * interrupted and abandoned, and progress lines it still emits are dropped. Never throws for the plugin's
     * failure: every outcome is a {@link DemoReport}.
     *
     * @throws InterruptedException if the calling thread is interrupted while waiting (the scenario is interrupted)
     */
    public DemoReport runDemo(String pluginId, java.time.Duration timeout, Consumer<String> progress)
            throws InterruptedException {
        discover();
        PluginRecord r = find(pluginId);
        java.time.Duration zero = java.time.Duration.ZERO;
        if (r == null) {
            return new DemoReport(pluginId, DemoReport.Outcome.FAILED_TO_LOAD, "", "", List.of(), zero,
                    "there is no plugin '" + pluginId + "'");
        }
        if (r.isFailed()) {
            return new DemoReport(r.id, DemoReport.Outcome.FAILED_TO_LOAD, "", "", List.of(), zero, r.reason());
        }
        java.util.Optional<DemoScenario> demo;
        try {
            demo = r.plugin.demo();
        } catch (RuntimeException | LinkageError e) {
            return new DemoReport(r.id, DemoReport.Outcome.ERROR, "", "", List.of(), zero,
                    "demo() threw " + Messages.describe(e));
        }
        if (demo == null || demo.isEmpty()) {
            return new DemoReport(r.id, DemoReport.Outcome.NO_DEMO, "", "", List.of(), zero, "");
        }
        DemoScenario scenario = demo.get();
        String description;
        try {
            description = String.valueOf(scenario.description());
        } catch (RuntimeException e) {
            description = scenario.getClass().getName();
        }
        AtomicBoolean open = new AtomicBoolean(true);
        Consumer<String> gated = line -> {
            if (open.get() && line != null) {
                progress.accept(line);
            }
        };
        gated.accept("running: " + description);
        Scheduler clock = settings.scheduler();
        long t0 = clock.nanoTime();
        TimedCall.Outcome<DemoResult> outcome;
        try {
            outcome = TimedCall.run("interlock-demo-" + r.id, r.classLoader(), timeout,
                    () -> scenario.run(r.context, gated));
        } finally {
            open.set(false);
        }
        java.time.Duration elapsed = java.time.Duration.ofNanos(Math.max(0, clock.nanoTime() - t0));
        if (outcome.timedOut()) {
            return new DemoReport(r.id, DemoReport.Outcome.ERROR, description, "", List.of(), elapsed,
                    "timed out: did not finish within " + timeout.toMillis() + " ms; it was interrupted and"
                            + " abandoned");
        }
        if (!outcome.ok()) {
            return new DemoReport(r.id, DemoReport.Outcome.ERROR, description, "", List.of(), elapsed,
                    "threw " + Messages.describe(outcome.failure()));
        }
        DemoResult result = outcome.value();
        if (result == null) {
            return new DemoReport(r.id, DemoReport.Outcome.ERROR, description, "", List.of(), elapsed,
                    "returned no result (null)");
        }
        List<DemoResult.Invariant> violated = result.invariants().stream().filter(i -> !i.holds()).toList();
        String reason = violated.stream().map(i -> i.name() + ": " + i.observed())
                .collect(Collectors.joining("; ", "violated: ", ""));
        return new DemoReport(r.id, violated.isEmpty() ? DemoReport.Outcome.PASS : DemoReport.Outcome.FAIL,
                description, result.ran(), result.invariants(), elapsed, violated.isEmpty() ? "" : reason);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private PluginRecord find(String pluginId) {
        PluginRecord failed = null;
        for (PluginRecord r : discovered) {
            if (r.id.equals(pluginId)) {
                if (!r.isFailed()) {
                    return r;
                }
                failed = failed == null ? r : failed;
            }
        }
        return failed;
    }

    private void readMetadata(PluginRecord r) {
        String who = "of module '" + r.moduleName + "'";
        String range;
        try {
            String id = r.plugin.id();
            if (!PluginRecord.validId(id)) {
                r.fail(Messages.badId(String.valueOf(id), r.moduleName, r.source, r.plugin.getClass().getName()));
                return;
            }
            r.id = id;
            who = "'" + id + "'";
            String version = r.plugin.version();
            r.version = version == null ? "" : version;
            range = r.plugin.requiredApi();
            r.dependencies = new TreeSet<>(Set.copyOf(r.plugin.dependencies()));
            r.commands = List.copyOf(r.plugin.commands());
        } catch (RuntimeException | LinkageError e) {
            r.fail(Messages.metadata(who, r.source, e));
            return;
        }
        VersionRange parsed;
        try {
            parsed = VersionRange.parse(String.valueOf(range));
        } catch (IllegalArgumentException e) {
            r.fail(Messages.badApiRange(r.id, r.moduleName, r.source, String.valueOf(range), e.getMessage()));
            return;
        }
        if (!parsed.contains(ApiVersion.CURRENT)) {
            r.fail(Messages.incompatibleApi(r.id, r.moduleName, r.source, parsed.toString()));
        }
    }

    /** Plugins sharing an id are all refused: picking one would depend on directory order. */
    private void failDuplicates() {
        Map<String, List<PluginRecord>> byId = new TreeMap<>();
        for (PluginRecord r : records) {
            if (!r.isFailed()) {
                byId.computeIfAbsent(r.id, k -> new ArrayList<>()).add(r);
            }
        }
        for (Map.Entry<String, List<PluginRecord>> e : byId.entrySet()) {
            if (e.getValue().size() > 1) {
                List<String> providers = e.getValue().stream().map(PluginRecord::describe).toList();
                e.getValue().forEach(r -> r.fail(Messages.duplicateId(e.getKey(), providers)));
            }
        }
    }

    private Map<String, PluginRecord> liveById() {
        Map<String, PluginRecord> byId = new LinkedHashMap<>();
        for (PluginRecord r : records) {
            if (!r.isFailed()) {
                byId.put(r.id, r);
            }
        }
        return byId;
    }

    /**
     * Fails plugins with unknown or failed dependencies (transitively) and those in or behind a cycle; returns the
     * others in dependency order (Kahn's algorithm; ties broken by id, so the order is deterministic).
     */
    private List<PluginRecord> dependencyOrder() {
        Set<String> knownIds = records.stream().filter(r -> r.plugin != null).map(r -> r.id)
                .collect(Collectors.toSet());
        boolean changed = true;
        while (changed) {
            changed = false;
            Map<String, PluginRecord> live = liveById();
            for (PluginRecord r : live.values()) {
                for (String dep : r.dependencies) {
                    if (!live.containsKey(dep)) {
                        String dir = settings.pluginDirectory() == null ? "on the module path"
                                : "in " + settings.pluginDirectory() + " or on the module path";
                        r.fail(knownIds.contains(dep) ? Messages.failedDependency(r.id, dep)
                                : Messages.unknownDependency(r.id, dep, dir));
                        changed = true;
                        break;
                    }
                }
            }
        }
        Map<String, PluginRecord> live = liveById();
        Map<String, Integer> missing = new HashMap<>();
        Map<String, List<String>> dependents = new HashMap<>();
        for (PluginRecord r : live.values()) {
            missing.put(r.id, r.dependencies.size());
            for (String dep : r.dependencies) {
                dependents.computeIfAbsent(dep, k -> new ArrayList<>()).add(r.id);
            }
        }
        TreeSet<String> ready = new TreeSet<>();
        missing.forEach((id, n) -> {
            if (n == 0) {
                ready.add(id);
            }
        });
        List<PluginRecord> sorted = new ArrayList<>();
        while (!ready.isEmpty()) {
            String id = ready.pollFirst();
            sorted.add(live.get(id));
            for (String dependent : dependents.getOrDefault(id, List.of())) {
                if (missing.merge(dependent, -1, Integer::sum) == 0) {
                    ready.add(dependent);
                }
            }
        }
        if (sorted.size() < live.size()) {
            Set<String> blocked = new TreeSet<>(live.keySet());
            sorted.forEach(r -> blocked.remove(r.id));
            for (String id : blocked) {
                List<String> cycle = cycleFrom(id, blocked, live);
                PluginRecord r = live.get(id);
                if (cycle.getFirst().equals(id)) {
                    r.fail(Messages.cycle(id, cycle));
                } else {
                    r.fail(Messages.failedDependency(id, r.dependencies.stream().filter(blocked::contains)
                            .findFirst().orElseThrow()));
                }
            }
        }
        return List.copyOf(sorted);
    }

    /** Follows dependencies inside {@code blocked} from {@code start} until one repeats; returns that cycle. */
    private static List<String> cycleFrom(String start, Set<String> blocked, Map<String, PluginRecord> live) {
        Deque<String> path = new ArrayDeque<>();
        Set<String> seen = new LinkedHashSet<>();
        String at = start;
        while (seen.add(at)) {
            path.addLast(at);
            at = live.get(at).dependencies.stream().filter(blocked::contains).findFirst().orElseThrow();
        }
        List<String> cycle = new ArrayList<>();
        boolean in = false;
        for (String id : path) {
            in |= id.equals(at);
            if (in) {
                cycle.add(id);
            }
        }
        cycle.add(at);
        if (cycle.contains(start)) {
            // rotate so that the cycle reads from start
            int i = cycle.indexOf(start);
            List<String> ring = cycle.subList(0, cycle.size() - 1);
            List<String> rotated = new ArrayList<>(ring.subList(i, ring.size()));
            rotated.addAll(ring.subList(0, i));
            rotated.add(start);
            return rotated;
        }
        return cycle;
    }

    private void inject() throws InterruptedException {
        Injector parent = Guice.createInjector(Stage.DEVELOPMENT, new AbstractModule() {
            @Override
            protected void configure() {
                bind(Scheduler.class).toInstance(settings.scheduler());
                bind(Clock.class).toInstance(settings.scheduler().clock());
                bind(ConcurrencyGuard.class).toInstance(settings.guard());
            }
        });
        Map<String, PluginRecord> byId = liveById();
        for (PluginRecord r : order) {
            if (r.isFailed()) {
                continue;
            }
            String failedDep = r.dependencies.stream().filter(d -> byId.get(d).isFailed()).findFirst().orElse(null);
            if (failedDep != null) {
                r.fail(Messages.failedDependency(r.id, failedDep));
                continue;
            }
            Path dataDirectory;
            try {
                dataDirectory = DataDirectories.prepare(settings.dataRoot(), r.id);
            } catch (IOException | RuntimeException e) {
                r.fail(Messages.dataDirectory(r.id, settings.dataRoot().resolve(r.id), e));
                continue;
            }
            PluginConfig config;
            try {
                config = PluginConfigs.load(r.id, settings.configDirectory(),
                        settings.overrides().getOrDefault(r.id, Map.of()));
            } catch (IllegalArgumentException e) {
                r.fail(e.getMessage());
                continue;
            }
            HostPluginContext context = new HostPluginContext(r.id, settings.guard(), settings.scheduler(), config,
                    dataDirectory);
            AbstractModule hostBindings = new AbstractModule() {
                @Override
                protected void configure() {
                    bind(PluginContext.class).toInstance(context);
                    bind(PluginConfig.class).toInstance(config);
                }
            };
            TimedCall.Outcome<Injector> outcome = TimedCall.run("interlock-inject-" + r.id, r.classLoader(),
                    injectTimeout(), () -> parent.createChildInjector(hostBindings, r.plugin.module()));
            if (outcome.ok()) {
                context.injector(outcome.value());
                r.injector = outcome.value();
                r.context = context;
                r.moveTo(PluginState.RESOLVED);
            } else if (outcome.timedOut()) {
                r.fail(Messages.injection(r.id, r.moduleName, r.source, "creating its injector (module() and eager"
                        + " singletons) took longer than " + injectTimeout().toMillis() + " ms"));
            } else {
                r.fail(injectionFailure(r, outcome.failure()));
                LOG.log(System.Logger.Level.DEBUG, "plugin '" + r.id + "': injector creation failed",
                        outcome.failure());
            }
        }
    }

    /**
     * Injector creation is bounded by the start timeout but never by less than {@link #MIN_INJECT_TIMEOUT}: the first
     * injectors of a cold JVM load much of Guice, and a short start timeout is meant for start() itself.
     */
    private java.time.Duration injectTimeout() {
        return settings.startTimeout().compareTo(MIN_INJECT_TIMEOUT) > 0 ? settings.startTimeout() : MIN_INJECT_TIMEOUT;
    }

    private static String injectionFailure(PluginRecord r, Throwable failure) {
        String problem = failure instanceof CreationException ce && !ce.getErrorMessages().isEmpty()
                ? Messages.firstLine(ce.getErrorMessages().iterator().next().getMessage())
                : Messages.describe(failure);
        if (r.folder == null && isAccessProblem(failure)) {
            Module guice = Injector.class.getModule();
            Module module = r.plugin.getClass().getModule();
            Set<String> closed = new TreeSet<>();
            for (String pn : module.getPackages()) {
                if (!module.isOpen(pn, guice)) {
                    closed.add(pn);
                }
            }
            if (!closed.isEmpty()) {
                return Messages.missingOpens(r.id, r.moduleName, closed, problem);
            }
        }
        return Messages.injection(r.id, r.moduleName, r.source, problem);
    }

    /** Whether Guice failed because it could not reach a member reflectively. */
    private static boolean isAccessProblem(Throwable failure) {
        List<Throwable> causes = new ArrayList<>();
        causes.add(failure);
        if (failure instanceof CreationException ce) {
            for (Message m : ce.getErrorMessages()) {
                if (m.getCause() != null) {
                    causes.add(m.getCause());
                }
                if (m.getMessage() != null && (m.getMessage().contains("not open")
                        || m.getMessage().contains("cannot access"))) {
                    return true;
                }
            }
        }
        for (Throwable start : causes) {
            for (Throwable t = start; t != null; t = t.getCause()) {
                if (t instanceof java.lang.reflect.InaccessibleObjectException || t instanceof IllegalAccessException
                        || t instanceof IllegalAccessError) {
                    return true;
                }
                if (t.getCause() == t) {
                    break;
                }
            }
        }
        return false;
    }

    private void publish() {
        snapshot = records.stream().map(PluginRecord::status).toList();
    }
}
