package dev.interlock.plugin.mse;

import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mse.cli.ConnectCommand;
import dev.interlock.plugin.mse.cli.ListenCommand;
import dev.interlock.plugin.mse.internal.MseDemo;

import java.util.List;
import java.util.Optional;

/**
 * The MSE plugin: id {@code "mse"}, commands {@code connect} and {@code listen}. It runs no background service;
 * {@link MseConnector} and {@link MseAcceptor} are the library API for other code.
 */
public final class MsePlugin implements Plugin {

    @Override
    public String id() {
        return "mse";
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
        return "BitTorrent Message Stream Encryption: handshake with real peers (connect, listen)";
    }

    @Override
    public void start(PluginContext context) {
        context.logger().log(System.Logger.Level.DEBUG, "mse plugin started (no background service)");
    }

    @Override
    public void stop() {
        // start() starts nothing: connections belong to the commands that opened them
    }

    /** Two peers across the 16-pair policy matrix over loopback TCP: {@link MseDemo}. */
    @Override
    public Optional<DemoScenario> demo() {
        return Optional.of(new MseDemo());
    }

    @Override
    public List<PluginCommand> commands() {
        return List.of(new ConnectCommand(), new ListenCommand());
    }
}
