package dev.interlock.plugin.mse.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseConfig;
import dev.interlock.plugin.mse.MseConnector;
import dev.interlock.plugin.mse.MseSession;
import dev.interlock.plugin.mse.MseTransports;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code interlock mse connect HOST:PORT --info-hash HEX --policy P}: one MSE (or plain, per policy) handshake and
 * BitTorrent handshake with a real peer; prints one JSON line with the outcome and exits 0 on success, 1 on a
 * handshake failure, 2 on bad arguments.
 */
public final class ConnectCommand implements PluginCommand {

    @Command(name = "connect", mixinStandardHelpOptions = true,
            description = "MSE + BitTorrent handshake with a peer; prints JSON.")
    static final class Args {
        @Parameters(index = "0", paramLabel = "HOST:PORT", description = "the peer")
        String target;
        @Option(names = "--info-hash", required = true, paramLabel = "HEX", description = "the torrent (40 hex digits)")
        String infoHash;
        @Option(names = "--policy", defaultValue = "prefer", paramLabel = "P",
                description = "disabled | allow | prefer | required (default: ${DEFAULT-VALUE})")
        String policy;
        @Option(names = "--timeout", defaultValue = "10s", description = "handshake timeout per attempt (default: ${DEFAULT-VALUE})")
        String timeout;
    }

    @Override
    public String name() {
        return "connect";
    }

    @Override
    public String description() {
        return "MSE + BitTorrent handshake with HOST:PORT; prints JSON (encrypted, method, peer id, time)";
    }

    @Override
    public int run(PluginContext context, List<String> argv, Io io) throws Exception {
        Args args = new Args();
        CommandLine cli = new CommandLine(args);
        InetSocketAddress address;
        byte[] infoHash;
        EncryptionPolicy policy;
        Duration timeout;
        try {
            cli.parseArgs(argv.toArray(String[]::new));
            if (cli.isUsageHelpRequested()) {
                cli.usage(io.out());
                return 0;
            }
            if (cli.isVersionHelpRequested()) {
                io.out().println("interlock mse 0.1.0");
                return 0;
            }
            address = hostPort(args.target);
            infoHash = Options.infoHash(args.infoHash);
            policy = Options.policy(args.policy);
            timeout = Options.duration(args.timeout);
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            io.err().println("mse connect: " + e.getMessage());
            io.err().println("usage: interlock mse connect HOST:PORT --info-hash HEX [--policy disabled|allow|prefer|required] [--timeout 10s]");
            return 2;
        }
        SecureRandom random = new SecureRandom();
        MseConfig config = new MseConfig(policy, Options.peerId(random), new byte[8], timeout, 68, true, random);
        MseConnector connector = new MseConnector(context.guard(), config);
        long start = context.scheduler().nanoTime();
        CompletableFuture<MseSession> f = connector.connect(infoHash,
                () -> MseTransports.tcp(context.scheduler(), address, timeout)).toCompletableFuture();
        String peer = address.getHostString() + ":" + address.getPort();
        try {
            MseSession s = f.get(timeout.multipliedBy(3).toMillis() + 1000, TimeUnit.MILLISECONDS);
            io.out().println(Json.session(peer, s));
            s.close();
            return 0;
        } catch (ExecutionException e) {
            io.out().println(Json.failure(peer, e.getCause(), (context.scheduler().nanoTime() - start) / 1e6));
            return 1;
        } catch (TimeoutException e) {
            f.cancel(true);
            io.out().println(Json.failure(peer, e, (context.scheduler().nanoTime() - start) / 1e6));
            return 1;
        }
    }

    static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port must be a number in '" + text + "'");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be within 1..65535, got " + port);
        }
        return new InetSocketAddress(host, port);
    }
}
