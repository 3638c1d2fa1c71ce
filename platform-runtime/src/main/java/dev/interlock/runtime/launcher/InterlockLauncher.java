package dev.interlock.runtime.launcher;

import dev.interlock.api.plugin.ApiVersion;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.runtime.DemoReport;
import dev.interlock.runtime.PluginHost;
import dev.interlock.runtime.PluginState;
import dev.interlock.runtime.PluginStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The {@code interlock} command line.
 *
 * <pre>
 * interlock [--plugin-dir DIR] [--data-dir DIR] [--config-dir DIR] COMMAND
 *   plugins [--strict]        list plugins: id, version, state, source, reason (exit 0; 1 with --strict if any FAILED)
 *   run [--strict]            start every plugin, wait for SIGTERM / Ctrl-C, stop them in reverse order, exit 0
 *   demo [--only ID,..] [--timeout S]  run every plugin's demo scenario, print a table (exit 1 if any failed)
 *   &lt;plugin-id&gt; &lt;command&gt; ...  run a command a plugin contributes (plugin injected, not started)
 *   help [COMMAND]            help on any level; --help works everywhere too
 * </pre>
 * Global options go before the command (they decide which plugins exist, and so which commands there are).
 *
 * <p>Exit status: 0 success; 1 failure (a FAILED plugin with {@code --strict}, a stop that failed, a plugin command
 * that failed, an unusable plugins directory); 2 usage error; a plugin command's own status otherwise.
 */
@Command(name = "interlock", mixinStandardHelpOptions = true, versionProvider = InterlockLauncher.Version.class,
        description = "Runs Interlock plugins: the plugins on the module path and those in the plugins directory"
                + " (one folder of jars per plugin).",
        subcommands = {InterlockLauncher.PluginsCommand.class, InterlockLauncher.RunCommand.class,
                InterlockLauncher.DemoCommand.class, CommandLine.HelpCommand.class},
        footerHeading = "%nDirectories:%n",
        footer = {"  data     --data-dir, else $INTERLOCK_DATA_DIR, else $XDG_DATA_HOME/interlock,",
                "           else ~/.local/share/interlock; plugin <id> gets <data>/<id> (mode 0700)",
                "  config   --config-dir, else $INTERLOCK_CONFIG_DIR, else $XDG_CONFIG_HOME/interlock,",
                "           else ~/.config/interlock; plugin <id> reads <config>/<id>.properties",
                "  plugins  --plugin-dir, else $INTERLOCK_PLUGIN_DIR, else $INTERLOCK_HOME/plugins,",
                "           else <data>/plugins; one folder of jars per plugin",
                "",
                "Exit status: 0 ok, 1 failure, 2 usage error; a plugin command returns its own status."})
public final class InterlockLauncher implements Callable<Integer> {

    /** The options that choose the directories; also parsed on their own, before the plugins are discovered. */
    static final class GlobalOptions {
        @Option(names = "--plugin-dir", paramLabel = "DIR",
                description = "the plugins directory: one folder of jars per plugin")
        Path pluginDir;

        @Option(names = "--data-dir", paramLabel = "DIR", description = "the root of the plugins' data directories")
        Path dataDir;

        @Option(names = "--config-dir", paramLabel = "DIR",
                description = "where <plugin-id>.properties configuration files are read")
        Path configDir;
    }

    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    private final Environment environment;
    private PluginHost host;
    private Path pluginDirectory;
    private String hostProblem;

    private InterlockLauncher(Environment environment) {
        this.environment = environment;
    }

    /** What the launcher runs in: standard streams, the environment and the home directory. */
    record Environment(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Path home) {
    }

    /** The entry point of {@code bin/interlock}. */
    public static void main(String[] args) {
        Environment environment = new Environment(System.in, System.out, System.err, System.getenv(),
                Path.of(System.getProperty("user.home")));
        System.exit(execute(args, environment));
    }

    /** Parses {@code args}, runs the command and returns the exit status. */
    static int execute(String[] args, Environment environment) {
        GlobalOptions early = new GlobalOptions();
        try {
            CommandLine pre = new CommandLine(early);
            pre.setStopAtPositional(true);
            pre.setUnmatchedArgumentsAllowed(true);
            pre.setExpandAtFiles(false);
            pre.setAllowSubcommandsAsOptionParameters(true);
            pre.parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            early = new GlobalOptions(); // the full parse below reports it
        }
        InterlockLauncher launcher = new InterlockLauncher(environment);
        launcher.openHost(early);

        PrintWriter out = new PrintWriter(environment.out(), true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(environment.err(), true, StandardCharsets.UTF_8);
        CommandLine commandLine = new CommandLine(launcher);
        if (launcher.host != null) {
            PluginCommands.register(commandLine, launcher.host, new PluginCommand.Io(environment.in(),
                    environment.out(), environment.err()));
        }
        // After the plugin sub-commands are added: these setters apply to the sub-commands that exist now.
        commandLine.setExpandAtFiles(false);
        // "--plugin-dir plugins" names a directory, even though "plugins" is also a command.
        commandLine.setAllowSubcommandsAsOptionParameters(true);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((e, cl, parseResult) -> {
            String message = e instanceof IllegalArgumentException || e instanceof IllegalStateException
                    ? e.getMessage() : e.toString();
            cl.getErr().println("interlock: " + message);
            return 1;
        });
        return commandLine.execute(args);
    }

    private void openHost(GlobalOptions options) {
        LauncherDirectories dirs = new LauncherDirectories(environment.env(), environment.home());
        Path data = dirs.data(options.dataDir);
        pluginDirectory = dirs.plugins(options.pluginDir, data).toAbsolutePath().normalize();
        try {
            host = PluginHost.builder()
                    .pluginDirectory(pluginDirectory)
                    .dataRoot(data)
                    .configDirectory(dirs.config(options.configDir))
                    .build();
            host.discover();
        } catch (RuntimeException e) {
            hostProblem = e.getMessage();
            host = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            hostProblem = "interrupted while loading plugins";
            host = null;
        }
    }

    /** {@code interlock} alone: the usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    /** The host, or {@code null} after printing why there is none. */
    PluginHost host() {
        if (host == null) {
            spec.commandLine().getErr().println("interlock: " + hostProblem);
        }
        return host;
    }

    @Command(name = "plugins", mixinStandardHelpOptions = true,
            description = "List the plugins (id, version, state, source, reason). Plugins are checked and injected,"
                    + " not started. Exit status 0 even if some FAILED, unless --strict.")
    static final class PluginsCommand implements Callable<Integer> {
        @ParentCommand
        InterlockLauncher parent;

        @Option(names = "--strict", description = "exit with status 1 if any plugin FAILED")
        boolean strict;

        @Override
        public Integer call() {
            PluginHost host = parent.host();
            if (host == null) {
                return 1;
            }
            PrintWriter out = parent.spec.commandLine().getOut();
            List<PluginStatus> statuses = host.plugins();
            if (statuses.isEmpty()) {
                out.println("No plugins found (plugins directory: " + parent.pluginDirectory
                        + "; none on the module path either).");
                return 0;
            }
            out.print(Table.of(statuses));
            out.flush();
            return strict && statuses.stream().anyMatch(PluginStatus::failed) ? 1 : 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Start every plugin (in dependency order), wait until SIGTERM or Ctrl-C, then stop them"
                    + " in reverse order.",
                    "Exit status 0 after a graceful stop, even if some plugins FAILED to start (unless --strict);"
                            + " 1 if a plugin's stop failed or timed out."})
    static final class RunCommand implements Callable<Integer> {
        @ParentCommand
        InterlockLauncher parent;

        @Option(names = "--strict", description = "if any plugin FAILED, stop the others and exit with status 1")
        boolean strict;

        @Override
        public Integer call() throws InterruptedException {
            PluginHost host = parent.host();
            if (host == null) {
                return 1;
            }
            PrintWriter out = parent.spec.commandLine().getOut();
            CountDownLatch stopRequested = new CountDownLatch(1);
            Signals.onTermination(stopRequested::countDown);
            // Other ways out (SIGHUP, System.exit elsewhere) still stop the plugins; after a graceful stop this is a
            // no-op, because stop() is idempotent.
            Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("interlock-shutdown").unstarted(host::stop));

            List<PluginStatus> afterStart = host.start();
            out.print(Table.of(afterStart));
            Set<String> running = afterStart.stream().filter(s -> s.state() == PluginState.STARTED)
                    .map(PluginStatus::id).collect(Collectors.toCollection(LinkedHashSet::new));
            if (strict && afterStart.stream().anyMatch(PluginStatus::failed)) {
                out.println("interlock: some plugins FAILED (--strict); stopping the others");
                out.print(Table.of(host.stop()));
                out.flush();
                return 1;
            }
            out.println("interlock: " + running.size() + " plugin(s) running; stop with SIGTERM or Ctrl-C");
            out.flush();
            stopRequested.await();
            out.println("interlock: stopping");
            out.flush();
            List<PluginStatus> afterStop = host.stop();
            out.print(Table.of(afterStop));
            boolean stopFailed = afterStop.stream().anyMatch(s -> running.contains(s.id()) && s.failed());
            out.println(stopFailed ? "interlock: stopped; some plugins did not stop cleanly" : "interlock: stopped");
            out.flush();
            return stopFailed ? 1 : 0;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = {"Run every plugin's demo scenario (its real scenario over loopback, with embedded"
                    + " defaults), one after another, with the plugins injected but not started. Progress lines are"
                    + " prefixed with the plugin's id; a table ends the run: plugin, result (PASS, FAIL, ERROR,"
                    + " no demo, FAILED), time, what ran, and the invariants checked or the reason.",
                    "Exit status 0 if every demo that ran passed; 1 if a demo failed an invariant, threw or timed"
                            + " out, or a plugin FAILED to load; 2 on a usage error (e.g. an unknown id in --only)."})
    static final class DemoCommand implements Callable<Integer> {
        /** The default time bound of one scenario, in seconds. */
        static final int DEFAULT_TIMEOUT_SECONDS = 20;

        @ParentCommand
        InterlockLauncher parent;

        @Spec
        CommandSpec spec;

        @Option(names = "--only", split = ",", paramLabel = "ID",
                description = "run only these plugins' demos (comma-separated ids)")
        List<String> only;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "" + DEFAULT_TIMEOUT_SECONDS,
                description = "the time bound of each scenario, in seconds (default ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Option(names = "--verbose", description = "also show the plugins' INFO log records while the demos run"
                + " (by default only warnings and errors: a demo's scenario drops connections on purpose, and the"
                + " plugins log each one)")
        boolean verbose;

        @Override
        public Integer call() throws InterruptedException {
            java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
            java.util.logging.Level previous = root.getLevel();
            if (!verbose) {
                root.setLevel(java.util.logging.Level.WARNING);
            }
            try {
                return runDemos();
            } finally {
                root.setLevel(previous);
            }
        }

        private Integer runDemos() throws InterruptedException {
            PluginHost host = parent.host();
            if (host == null) {
                return 1;
            }
            if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--timeout must be 1..3600 seconds,"
                        + " was " + timeoutSeconds);
            }
            List<PluginStatus> statuses = host.plugins();
            List<String> ids = new ArrayList<>();
            statuses.forEach(s -> {
                if (!ids.contains(s.id())) {
                    ids.add(s.id());
                }
            });
            if (only != null) {
                List<String> unknown = only.stream().filter(id -> !ids.contains(id)).toList();
                if (!unknown.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--only names unknown plugin(s) "
                            + String.join(", ", unknown) + "; plugins found: " + String.join(", ", ids));
                }
                ids.retainAll(only);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (ids.isEmpty()) {
                out.println("No plugins found (plugins directory: " + parent.pluginDirectory
                        + "; none on the module path either).");
                return 0;
            }
            Duration timeout = Duration.ofSeconds(timeoutSeconds);
            List<DemoReport> reports = new ArrayList<>();
            Duration total = Duration.ZERO;
            for (String id : ids) {
                DemoReport report = host.runDemo(id, timeout, line -> {
                    synchronized (out) {
                        for (String part : line.split("\\R", -1)) {
                            out.println("[" + id + "] " + part); // every line carries the plugin's id
                        }
                        out.flush();
                    }
                });
                out.println("[" + id + "] " + DemoTable.result(report.outcome())
                        + (report.outcome() == DemoReport.Outcome.NO_DEMO
                        || report.outcome() == DemoReport.Outcome.FAILED_TO_LOAD ? ""
                        : " in " + DemoTable.seconds(report.elapsed()))
                        + (report.reason().isEmpty() ? "" : ": " + report.reason()));
                out.flush();
                reports.add(report);
                total = total.plus(report.elapsed());
            }
            out.println();
            out.print(DemoTable.of(reports));
            Map<DemoReport.Outcome, Long> counts = new java.util.EnumMap<>(DemoReport.Outcome.class);
            reports.forEach(r -> counts.merge(r.outcome(), 1L, Long::sum));
            boolean failed = reports.stream().anyMatch(r -> r.outcome().isFailure());
            out.println("interlock demo: " + counts.getOrDefault(DemoReport.Outcome.PASS, 0L) + " PASS, "
                    + counts.getOrDefault(DemoReport.Outcome.FAIL, 0L) + " FAIL, "
                    + counts.getOrDefault(DemoReport.Outcome.ERROR, 0L) + " ERROR, "
                    + counts.getOrDefault(DemoReport.Outcome.NO_DEMO, 0L) + " no demo, "
                    + counts.getOrDefault(DemoReport.Outcome.FAILED_TO_LOAD, 0L) + " FAILED to load; scenarios took "
                    + DemoTable.seconds(total) + (failed ? "; FAILED" : "; ok"));
            out.flush();
            return failed ? 1 : 0;
        }
    }

    /** {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = InterlockLauncher.class.getModule().getDescriptor() == null ? "dev"
                    : InterlockLauncher.class.getModule().getDescriptor().rawVersion().orElse("dev");
            return new String[] {"interlock " + version + " (platform API " + ApiVersion.CURRENT + ", Java "
                    + Runtime.version() + ")"};
        }
    }
}
