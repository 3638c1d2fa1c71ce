package dev.interlock.plugin.voice.internal;

import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.voice.cli.ConnectCommand;
import dev.interlock.plugin.voice.cli.ServeCommand;

import java.util.List;
import java.util.Optional;

/**
 * The voice plugin (id {@code voice}): contributes {@code interlock voice connect} and {@code interlock voice serve}.
 * It runs no service of its own: sessions are created by the commands (or by a host through
 * {@link dev.interlock.plugin.voice.VoiceSession#builder}), so {@link #start} and {@link #stop} only log.
 */
public final class VoicePlugin implements Plugin {

    @Override
    public String id() {
        return "voice";
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
        return "Realtime voice sessions (OpenAI Realtime shape) over an event channel that never loses, duplicates "
                + "or re-orders an event";
    }

    @Override
    public void start(PluginContext context) {
        context.logger().log(System.Logger.Level.DEBUG, "voice plugin started (commands: connect, serve)");
    }

    @Override
    public void stop() {
        System.getLogger(VoicePlugin.class.getName()).log(System.Logger.Level.DEBUG, "voice plugin stopped");
    }

    /** A session against the embedded realtime server with forced disconnects: see {@link VoiceDemo}. */
    @Override
    public Optional<DemoScenario> demo() {
        return Optional.of(new VoiceDemo());
    }

    @Override
    public List<PluginCommand> commands() {
        return List.of(new ConnectCommand(), new ServeCommand());
    }
}
