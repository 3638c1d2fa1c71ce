package dev.interlock.plugin.voice.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.voice.server.RealtimeServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code interlock voice serve --port N}: runs the local realtime-shaped server ({@link RealtimeServer}) until
 * standard input ends or says {@code quit}. Commands on standard input: {@code drop} (graceful close of every
 * connection), {@code drop abrupt} (reset them), {@code status}, {@code quit}. Prints
 * {@code listening on ws://HOST:PORT/v1/realtime} first, so scripts can read the port when {@code --port 0}.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run a small local realtime-shaped WebSocket server (echoes transcripts; drops connections on command).")
public final class ServeCommand implements PluginCommand {

    @Option(names = "--port", required = true, description = "TCP port, 0 for any free one")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "Address to bind (default 127.0.0.1)")
    String bind;

    @Option(names = "--beta-names", description = "Use the older beta event names")
    boolean betaNames;

    @Option(names = "--fragment", defaultValue = "0",
            description = "Split outgoing messages into frames of at most N chars (exercises reassembly)")
    int fragment;

    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String description() {
        return "Run a small local realtime-shaped server for demos and tests";
    }

    @Override
    public int run(PluginContext context, List<String> args, Io io) throws Exception {
        ServeCommand options = new ServeCommand();
        CommandLine cl = new CommandLine(options);
        cl.setOut(new java.io.PrintWriter(io.out(), true));
        cl.setErr(new java.io.PrintWriter(io.err(), true));
        try {
            CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
        } catch (CommandLine.ParameterException e) {
            io.err().println("voice serve: " + e.getMessage());
            cl.usage(io.err());
            return 2;
        }
        return options.execute(context, io);
    }

    private int execute(PluginContext context, Io io) throws IOException {
        if (port < 0 || port > 65_535) {
            io.err().println("voice serve: --port must be in 0..65535, got " + port);
            return 2;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (IOException e) {
            io.err().println("voice serve: --bind '" + bind + "' is not an address: " + e.getMessage());
            return 2;
        }
        RealtimeServer.Options opts = RealtimeServer.Options.defaults().withBetaNames(betaNames)
                .withFragmentChars(fragment);
        try (RealtimeServer server = RealtimeServer.start(context.scheduler(), address, port, opts);
             BufferedReader in = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8))) {
            io.out().println("listening on ws://" + address.getHostAddress() + ":" + server.port() + "/v1/realtime");
            io.out().flush();
            String line;
            while ((line = in.readLine()) != null) {
                switch (line.trim()) {
                    case "" -> { }
                    case "drop" -> io.out().println("dropped " + server.dropAll(RealtimeServer.Drop.GRACEFUL)
                            + " connections (graceful)");
                    case "drop abrupt" -> io.out().println("dropped " + server.dropAll(RealtimeServer.Drop.ABRUPT)
                            + " connections (abrupt)");
                    case "status" -> io.out().println(server.connectionCount() + " connections");
                    case "quit" -> {
                        io.out().println("bye");
                        return 0;
                    }
                    default -> io.err().println("voice serve: unknown command '" + abbreviate(line)
                            + "'; commands: drop, drop abrupt, status, quit");
                }
                io.out().flush();
            }
        }
        return 0;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
