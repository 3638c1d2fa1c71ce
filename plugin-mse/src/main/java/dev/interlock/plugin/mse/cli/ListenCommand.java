package dev.interlock.plugin.mse.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseAcceptor;
import dev.interlock.plugin.mse.MseConfig;
import dev.interlock.plugin.mse.MseTransports;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code interlock mse listen --port N --info-hash HEX [--info-hash HEX ...] --policy P [--count C]}: accepts
 * {@code C} connections (default 1, at most {@value #MAX_COUNT}), runs the responder handshakes on each and prints one
 * JSON line per connection; the first line is {@code {"listening":PORT}}. Exits 0 when every connection succeeded,
 * 1 if any failed, 2 on bad arguments.
 */
public final class ListenCommand implements PluginCommand {

    /** The most connections one listen accepts. */
    static final int MAX_COUNT = 10_000;

    @Command(name = "listen", mixinStandardHelpOptions = true,
            description = "Accept peers, run MSE + BitTorrent handshakes; prints JSON per connection.")
    static final class Args {
        @Option(names = "--port", required = true, description = "TCP port (0: any free port)")
        int port;
        @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})")
        String bind;
        @Option(names = "--info-hash", required = true, paramLabel = "HEX", description = "a torrent served (repeatable)")
        List<String> infoHashes;
        @Option(names = "--policy", defaultValue = "prefer", description = "disabled | allow | prefer | required (default: ${DEFAULT-VALUE})")
        String policy;
        @Option(names = "--count", defaultValue = "1", description = "connections to accept before exiting (default: ${DEFAULT-VALUE})")
        int count;
        @Option(names = "--timeout", defaultValue = "10s", description = "handshake timeout per connection (default: ${DEFAULT-VALUE})")
        String timeout;
    }

    @Override
    public String name() {
        return "listen";
    }

    @Override
    public String description() {
        return "accept peers on --port for --info-hash torrents; prints JSON per connection";
    }

    @Override
    public int run(PluginContext context, List<String> argv, Io io) throws Exception {
        Args args = new Args();
        CommandLine cli = new CommandLine(args);
        List<byte[]> hashes = new ArrayList<>();
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
            for (String h : args.infoHashes) {
                hashes.add(Options.infoHash(h));
            }
            policy = Options.policy(args.policy);
            timeout = Options.duration(args.timeout);
            if (args.port < 0 || args.port > 65535) {
                throw new IllegalArgumentException("--port must be within 0..65535, got " + args.port);
            }
            if (args.count < 1 || args.count > MAX_COUNT) {
                throw new IllegalArgumentException("--count must be within 1.." + MAX_COUNT + ", got " + args.count);
            }
        } catch (CommandLine.ParameterException | IllegalArgumentException e) {
            io.err().println("mse listen: " + e.getMessage());
            io.err().println("usage: interlock mse listen --port N --info-hash HEX [--info-hash HEX ...] "
                    + "[--policy disabled|allow|prefer|required] [--count C] [--bind ADDR]");
            return 2;
        }
        SecureRandom random = new SecureRandom();
        MseConfig config = new MseConfig(policy, Options.peerId(random), new byte[8], timeout, 68, true, random);
        MseAcceptor acceptor = new MseAcceptor(context.guard(), config, hashes);
        List<CompletableFuture<Boolean>> outcomes = new ArrayList<>();
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(args.bind), args.port));
            synchronized (io.out()) {
                io.out().println("{\"listening\":" + server.getLocalPort() + "}");
                io.out().flush();
            }
            for (int i = 0; i < args.count; i++) {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                String peer = socket.getInetAddress().getHostAddress() + ":" + socket.getPort();
                long start = context.scheduler().nanoTime();
                outcomes.add(acceptor.accept(MseTransports.tcp(context.scheduler(), socket))
                        .handle((session, error) -> {
                            String line = error == null ? Json.session(peer, session)
                                    : Json.failure(peer, unwrap(error), (context.scheduler().nanoTime() - start) / 1e6);
                            synchronized (io.out()) {
                                io.out().println(line);
                                io.out().flush();
                            }
                            if (session != null) {
                                session.close();
                            }
                            return error == null;
                        }).toCompletableFuture());
            }
        } catch (IOException e) {
            io.err().println("mse listen: cannot listen on " + args.bind + ":" + args.port + ": " + e.getMessage());
            return 1;
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .get(timeout.toMillis() + 5000, TimeUnit.MILLISECONDS);
        return outcomes.stream().allMatch(CompletableFuture::join) ? 0 : 1;
    }

    private static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
