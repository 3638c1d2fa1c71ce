package dev.interlock.plugin.mls;

import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mls.cli.MlsCommands;
import dev.interlock.plugin.mls.demo.MlsDemo;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The MLS plugin (seed 002). {@link #start} creates the process's {@link MlsLane} and an
 * {@link EmbeddedDeliveryService}; with configuration {@code ds.port} (and optionally {@code ds.bind}, default
 * {@code 127.0.0.1}) it also serves that delivery service over HTTP. Commands: {@code interlock mls ds --port N},
 * and {@code identity}, {@code group}, {@code add}, {@code send}, {@code read}, {@code chat} for a client.
 *
 * <p>The host must grant {@code org.bouncycastle.mls/org.bouncycastle.mls.TreeKEM} to this module
 * ({@code ModuleLayer.Controller.addExports}) when bcmls is in the plugin's layer.
 */
public final class MlsPlugin implements Plugin {

    private static final System.Logger LOG = System.getLogger(MlsPlugin.class.getName());

    private MlsLane lane;
    private EmbeddedDeliveryService delivery;
    private DeliveryServer server;

    @Override
    public String id() {
        return "mls";
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
        return "MLS (RFC 9420) group messaging on BouncyCastle, with a delivery service and an encrypted vault";
    }

    @Override
    public synchronized void start(PluginContext context) throws Exception {
        lane = new MlsLane(context.guard(), 4_096);
        delivery = new EmbeddedDeliveryService(context.scheduler(), lane, EmbeddedDeliveryService.Limits.defaults());
        int port = context.config().getInt("ds.port", -1);
        if (port >= 0) {
            String bind = context.config().get("ds.bind", "127.0.0.1");
            server = DeliveryServer.start(new InetSocketAddress(bind, port), delivery, context.scheduler(),
                    2 << 20);
            LOG.log(System.Logger.Level.INFO, "MLS delivery service listening on " + bind + ":" + server.port());
        }
    }

    /** The process's MLS lane (after {@link #start}). */
    public synchronized MlsLane lane() {
        return lane;
    }

    /** The embedded delivery service (after {@link #start}). */
    public synchronized EmbeddedDeliveryService delivery() {
        return delivery;
    }

    /** The HTTP port, or -1 if not serving. */
    public synchronized int httpPort() {
        return server == null ? -1 : server.port();
    }

    @Override
    public synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (lane != null) {
            lane.close();
            lane = null;
        }
        delivery = null;
    }

    /**
     * Five clients over HTTP to the embedded delivery service with racing commits, messages and a vault round trip;
     * see {@link MlsDemo}. Runs on its own lane and delivery service, so it needs no {@link #start}.
     */
    @Override
    public Optional<DemoScenario> demo() {
        return Optional.of(new MlsDemo());
    }

    @Override
    public List<PluginCommand> commands() {
        return MlsCommands.all();
    }
}
