package dev.interlock.plugin.ratchet.internal;

import com.google.inject.Module;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.cli.SoakCommand;

import java.util.List;
import java.util.Optional;

/**
 * The {@code ratchet} plugin: binds the production {@link KeyExchange} and the configured {@link RatchetOptions} in
 * the plugin's injector (so that host code opens channels with {@code RatchetChannel.builder(guard)}), and adds the
 * {@code soak} command.
 *
 * <p>Configuration keys: {@code window} (key versions kept, default 32), {@code rekey-timeout} (default 60s),
 * {@code max-payload} (bytes, default 65536). Bad values fail {@link #start} with a message naming key and value.
 */
public final class RatchetPlugin implements Plugin {

    private volatile RatchetOptions options = RatchetOptions.defaults();

    @Override
    public String id() {
        return "ratchet";
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
        return "post-quantum ratchet channel (ML-KEM-768 + X25519, AES-256-GCM) with deadlock-free rekeys";
    }

    @Override
    public Module module() {
        return binder -> binder.bind(KeyExchange.class).toInstance(KeyExchange.hybridMlKem768X25519());
    }

    @Override
    public void start(PluginContext context) {
        options = optionsFrom(context.config());
        context.logger().log(System.Logger.Level.INFO, "ratchet ready: window " + options.window()
                + ", rekey timeout " + options.rekeyTimeout() + ", max payload " + options.maxPayload());
    }

    /** The options configured for this plugin ({@link RatchetOptions#defaults()} before {@link #start}). */
    public RatchetOptions options() {
        return options;
    }

    @Override
    public void stop() {
        options = RatchetOptions.defaults();
    }

    /** Seed 001's scenario over loopback TCP with the real hybrid KEM: {@link RatchetDemo}. */
    @Override
    public Optional<DemoScenario> demo() {
        return Optional.of(new RatchetDemo());
    }

    @Override
    public List<PluginCommand> commands() {
        return List.of(new SoakCommand());
    }

    /** Reads {@code window}, {@code rekey-timeout} and {@code max-payload} over the defaults. */
    public static RatchetOptions optionsFrom(PluginConfig config) {
        RatchetOptions defaults = RatchetOptions.defaults();
        try {
            return defaults.withWindow(config.getInt("window", defaults.window()))
                    .withRekeyTimeout(config.getDuration("rekey-timeout", defaults.rekeyTimeout()))
                    .withMaxPayload(config.getInt("max-payload", defaults.maxPayload()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ratchet plugin configuration: " + e.getMessage(), e);
        }
    }
}
