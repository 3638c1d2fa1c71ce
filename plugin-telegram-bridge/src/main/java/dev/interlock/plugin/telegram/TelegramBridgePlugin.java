package dev.interlock.plugin.telegram;

import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.telegram.cli.DaemonCommand;
import dev.interlock.plugin.telegram.cli.HookCommand;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import dev.interlock.plugin.telegram.daemon.BridgeDaemon;
import dev.interlock.plugin.telegram.demo.BridgeDemo;

import java.util.List;
import java.util.Optional;

/**
 * The {@code telegram-bridge} plugin (seed 004): commands {@code daemon} and {@code hook}. With the configuration
 * key {@code autostart=true} the host's {@link #start} also runs the daemon inside the host until {@link #stop}.
 */
public final class TelegramBridgePlugin implements Plugin {

    private BridgeDaemon daemon;

    @Override
    public String id() {
        return "telegram-bridge";
    }

    @Override
    public String version() {
        return "0.1.0";
    }

    @Override
    public String requiredApi() {
        return "[1.0,2.0)";
    }

    @Override
    public String description() {
        return "Mirrors AI coding agent sessions into Telegram forum topics, with approvals by inline buttons";
    }

    @Override
    public synchronized void start(PluginContext context) throws Exception {
        if (!context.config().getBoolean("autostart", false)) {
            return;
        }
        BridgeConfig config = BridgeConfig.load(context.config().asMap(), System.getenv());
        daemon = new BridgeDaemon(config, context.scheduler(), context.guard(), null, context.logger()).start();
    }

    @Override
    public synchronized void stop() {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
    }

    /**
     * The daemon against the embedded Bot API emulator under a burst of first events for new sessions; see
     * {@link BridgeDemo}.
     */
    @Override
    public Optional<DemoScenario> demo() {
        return Optional.of(new BridgeDemo());
    }

    @Override
    public List<PluginCommand> commands() {
        return List.of(new DaemonCommand(), new HookCommand());
    }
}
