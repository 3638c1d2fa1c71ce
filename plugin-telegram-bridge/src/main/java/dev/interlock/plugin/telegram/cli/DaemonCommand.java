package dev.interlock.plugin.telegram.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import dev.interlock.plugin.telegram.daemon.BridgeDaemon;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

/**
 * {@code interlock telegram-bridge daemon}: runs the bridge daemon until the process is terminated (SIGTERM runs a
 * clean shutdown) or the calling thread is interrupted. Exit status 0 after a clean stop, 1 if it could not start
 * (configuration, socket in use, store), 130 when interrupted.
 */
public final class DaemonCommand implements PluginCommand {

    private final Map<String, String> env;

    public DaemonCommand() {
        this(System.getenv());
    }

    /** With an explicit environment (tests, embedding). */
    public DaemonCommand(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public String name() {
        return "daemon";
    }

    @Override
    public String description() {
        return "Run the bridge daemon: hook events on a Unix socket to Telegram forum topics";
    }

    @Override
    public int run(PluginContext context, List<String> args, Io io) {
        CommandLine cl = new CommandLine(new Cli(context, io, env));
        cl.setOut(new PrintWriter(io.out(), true));
        cl.setErr(new PrintWriter(io.err(), true));
        return cl.execute(args.toArray(String[]::new));
    }

    @Command(name = "daemon", mixinStandardHelpOptions = true,
            description = "Mirror agent sessions into Telegram forum topics (one topic per session).")
    static final class Cli implements Callable<Integer> {
        private final PluginContext context;
        private final Io io;
        private final Map<String, String> env;

        @Option(names = "--chat-id", description = "Forum supergroup id, e.g. -1001234567890 (config chat-id)")
        String chatId;
        @Option(names = "--api-base-url", description = "Bot API base URL (default https://api.telegram.org)")
        String apiBaseUrl;
        @Option(names = "--socket", description = "Unix socket path (default $XDG_RUNTIME_DIR/interlock/telegram-bridge.sock)")
        String socket;
        @Option(names = "--db", description = "SQLite file (default $XDG_DATA_HOME/interlock/telegram-bridge/bridge.db)")
        String db;
        @Option(names = "--token-file", description = "File (mode 600) holding the bot token")
        String tokenFile;
        @Option(names = "--token-env", description = "Environment variable holding the bot token (default TELEGRAM_BOT_TOKEN)")
        String tokenEnv;
        @Option(names = "--set", description = "Any other setting KEY=VALUE, e.g. per-chat-per-minute=20, approval-timeout=5m")
        Map<String, String> set = new HashMap<>();

        Cli(PluginContext context, Io io, Map<String, String> env) {
            this.context = context;
            this.io = io;
            this.env = env;
        }

        @Override
        public Integer call() {
            Map<String, String> options = new LinkedHashMap<>();
            options.put("chat-id", chatId);
            options.put("api-base-url", apiBaseUrl);
            options.put("socket", socket);
            options.put("db", db);
            options.put("token-file", tokenFile);
            options.put("token-env", tokenEnv);
            BridgeConfig config;
            try {
                config = BridgeConfig.load(Settings.merge(context, options, set), env);
            } catch (IllegalArgumentException e) {
                io.err().println(e.getMessage());
                return 1;
            }
            BridgeDaemon daemon = new BridgeDaemon(config, context.scheduler(), context.guard(), null,
                    context.logger());
            try {
                daemon.start();
            } catch (Exception e) {
                io.err().println("telegram-bridge daemon could not start: " + e.getMessage());
                return 1;
            }
            io.out().println("telegram-bridge daemon listening on " + config.socket());
            Thread hook = new Thread(daemon::close, "telegram-bridge-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                daemon.terminated().toCompletableFuture().get();
                return 0;
            } catch (InterruptedException e) {
                daemon.close();
                Thread.currentThread().interrupt();
                return 130;
            } catch (ExecutionException e) {
                return 1;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting and runs the hook itself
                }
            }
        }
    }
}
