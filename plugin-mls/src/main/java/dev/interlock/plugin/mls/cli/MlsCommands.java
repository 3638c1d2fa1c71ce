package dev.interlock.plugin.mls.cli;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mls.DeliveryServer;
import dev.interlock.plugin.mls.EmbeddedDeliveryService;
import dev.interlock.plugin.mls.HttpDeliveryClient;
import dev.interlock.plugin.mls.MlsClient;
import dev.interlock.plugin.mls.MlsException;
import dev.interlock.plugin.mls.MlsLane;
import dev.interlock.plugin.mls.Vault;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

/**
 * The {@code interlock mls ...} commands. {@code ds} runs a delivery service; the others run one client whose state
 * lives in an encrypted vault between invocations (restored by external join each time), and {@code chat} keeps one
 * client running so that two terminals can talk.
 *
 * <p>The vault password is read from the environment variable named by {@code --password-env} (default
 * {@code INTERLOCK_MLS_PASSWORD}) or, if that is unset, from the first line of standard input.
 */
public final class MlsCommands {

    private MlsCommands() {
    }

    /** Every command. */
    public static List<PluginCommand> all() {
        return List.of(
                command("ds", "run the MLS delivery service over HTTP", Ds::new),
                command("identity", "create (or unlock) an identity and publish key packages", Identity::new),
                command("group", "create a group and print its id", CreateGroup::new),
                command("add", "add a member to a group", Add::new),
                command("send", "send a message to a group", Send::new),
                command("read", "print messages that arrive within --wait", Read::new),
                command("chat", "chat in a group: lines from standard input are sent, messages are printed",
                        Chat::new));
    }

    private static PluginCommand command(String name, String description,
                                         BiFunction<PluginContext, PluginCommand.Io, Callable<Integer>> factory) {
        return new PluginCommand() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String description() {
                return description;
            }

            @Override
            public int run(PluginContext context, List<String> args, Io io) {
                CommandLine cl = new CommandLine(factory.apply(context, io));
                cl.setCommandName("interlock mls " + name);
                PrintWriter out = new PrintWriter(io.out(), true, StandardCharsets.UTF_8);
                PrintWriter err = new PrintWriter(io.err(), true, StandardCharsets.UTF_8);
                cl.setOut(out);
                cl.setErr(err);
                cl.setExecutionExceptionHandler((e, c, parsed) -> {
                    MlsException m = MlsException.unwrap(e);
                    err.println("error: " + (m != null ? m.getMessage() : e.toString()));
                    return 1;
                });
                int rc = cl.execute(args.toArray(String[]::new));
                out.flush();
                err.flush();
                return rc;
            }
        };
    }

    static <T> T await(CompletionStage<T> stage, Duration timeout) throws Exception {
        try {
            return stage.toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            MlsException m = MlsException.unwrap(e);
            if (m != null) {
                throw m;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new TimeoutException("no answer within " + timeout);
        }
    }

    @Command(name = "ds", mixinStandardHelpOptions = true,
            description = "Runs the MLS delivery service over HTTP until standard input is closed or reads 'quit'.")
    static final class Ds implements Callable<Integer> {
        private final PluginContext context;
        private final PluginCommand.Io io;

        @Option(names = "--port", required = true, description = "TCP port (0 picks a free one)")
        int port;

        @Option(names = "--bind", defaultValue = "127.0.0.1",
                description = "address to bind (default ${DEFAULT-VALUE})")
        String bind;

        @Option(names = "--max-body", defaultValue = "2097152", description = "largest request body in bytes")
        int maxBody;

        Ds(PluginContext context, PluginCommand.Io io) {
            this.context = context;
            this.io = io;
        }

        @Override
        public Integer call() throws Exception {
            try (MlsLane lane = new MlsLane(context.guard(), 4_096);
                 DeliveryServer server = DeliveryServer.start(new InetSocketAddress(bind, port),
                         new EmbeddedDeliveryService(context.scheduler(), lane,
                                 EmbeddedDeliveryService.Limits.defaults()), context.scheduler(), maxBody)) {
                io.out().println("MLS delivery service listening on http://" + bind + ":" + server.port());
                io.out().flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.trim().equals("quit")) {
                        break;
                    }
                }
                io.out().println("delivery service stopped");
            }
            return 0;
        }
    }

    /** Options shared by the client commands. */
    abstract static class ClientCommand implements Callable<Integer> {
        final PluginContext context;
        final PluginCommand.Io io;
        BufferedReader stdin;

        @Option(names = "--name", required = true, description = "your identity")
        String name;

        @Option(names = "--vault", description = "vault file (default: <plugin data dir>/<name>.vault)")
        Path vault;

        @Option(names = "--ds", defaultValue = "http://127.0.0.1:7420",
                description = "delivery service URL (default ${DEFAULT-VALUE})")
        URI ds;

        @Option(names = "--password-env", defaultValue = "INTERLOCK_MLS_PASSWORD",
                description = "environment variable holding the vault password; else the first line of stdin")
        String passwordEnv;

        @Option(names = "--kdf-memory", defaultValue = "65536", description = "Argon2id memory in KiB for a new vault")
        int kdfMemory;

        @Option(names = "--timeout", defaultValue = "PT60S", description = "how long to wait for each step")
        Duration timeout;

        ClientCommand(PluginContext context, PluginCommand.Io io) {
            this.context = context;
            this.io = io;
        }

        @Override
        public final Integer call() throws Exception {
            stdin = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8));
            char[] password = password();
            ConcurrencyGuard guard = context.guard();
            Path file = vault != null ? vault : context.dataDirectory().resolve(name + ".vault");
            MlsClient.Options options = MlsClient.Options.defaults(name, file)
                    .withKdf(new Vault.KdfParams(kdfMemory, 3, 1));
            try (MlsLane lane = new MlsLane(guard, 4_096);
                 MlsClient client = new MlsClient(options, lane,
                         new HttpDeliveryClient(ds, context.scheduler(), Duration.ofMillis(500), 8 << 20), guard)) {
                await(client.login(password), timeout);
                java.util.Arrays.fill(password, '\0');
                int rc = run(client);
                await(client.exportToVault(), timeout);
                return rc;
            }
        }

        private char[] password() throws Exception {
            String env = System.getenv(passwordEnv);
            if (env != null && !env.isEmpty()) {
                return env.toCharArray();
            }
            String line = stdin.readLine();
            if (line == null || line.isEmpty()) {
                throw new MlsException(MlsException.Reason.VAULT_WRONG_PASSWORD, "no vault password: set "
                        + passwordEnv + " or give it on the first line of standard input");
            }
            return line.toCharArray();
        }

        static byte[] group(String hex) {
            try {
                return HexFormat.of().parseHex(hex);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(new CommandLine(new Object() { }),
                        "--group must be the hex id printed by 'interlock mls group', got '" + hex + "'");
            }
        }

        abstract int run(MlsClient client) throws Exception;
    }

    @Command(name = "identity", mixinStandardHelpOptions = true,
            description = "Creates (or unlocks) an identity and publishes its key packages.")
    static final class Identity extends ClientCommand {
        Identity(PluginContext c, PluginCommand.Io io) {
            super(c, io);
        }

        @Override
        int run(MlsClient client) throws Exception {
            io.out().println("identity " + name + " ready; " + await(client.keyPackagePoolSize(), timeout)
                    + " key packages held");
            return 0;
        }
    }

    @Command(name = "group", mixinStandardHelpOptions = true, description = "Creates a group and prints its id.")
    static final class CreateGroup extends ClientCommand {
        CreateGroup(PluginContext c, PluginCommand.Io io) {
            super(c, io);
        }

        @Override
        int run(MlsClient client) throws Exception {
            io.out().println(HexFormat.of().formatHex(await(client.createGroup(), timeout)));
            return 0;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Adds a member to a group.")
    static final class Add extends ClientCommand {
        @Option(names = "--group", required = true, description = "group id (hex)")
        String groupHex;

        @Option(names = "--member", required = true, description = "identity to add")
        String member;

        Add(PluginContext c, PluginCommand.Io io) {
            super(c, io);
        }

        @Override
        int run(MlsClient client) throws Exception {
            long epoch = await(client.addMember(group(groupHex), member), timeout);
            io.out().println("added " + member + "; group is at epoch " + epoch);
            return 0;
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Sends a message to a group.")
    static final class Send extends ClientCommand {
        @Option(names = "--group", required = true, description = "group id (hex)")
        String groupHex;

        @Parameters(arity = "1..*", description = "the message")
        List<String> words;

        Send(PluginContext c, PluginCommand.Io io) {
            super(c, io);
        }

        @Override
        int run(MlsClient client) throws Exception {
            long seq = await(client.send(group(groupHex), String.join(" ", words).getBytes(StandardCharsets.UTF_8)),
                    timeout);
            io.out().println("sent (#" + seq + ")");
            return 0;
        }
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = "Joins groups it was invited to and prints the messages that arrive within --wait.")
    static final class Read extends ClientCommand {
        @Option(names = "--wait", defaultValue = "PT3S", description = "how long to listen (default ${DEFAULT-VALUE})")
        Duration wait;

        Read(PluginContext c, PluginCommand.Io io) {
            super(c, io);
        }

        @Override
        int run(MlsClient client) throws Exception {
            CompletableFuture<Void> done = new CompletableFuture<>();
            context.scheduler().schedule(() -> done.complete(null), wait);
            done.get();
            await(client.sync(), timeout);
            for (byte[] g : await(client.groups(), timeout)) {
                io.out().println("in group " + HexFormat.of().formatHex(g));
            }
            for (MlsClient.Received r : client.drainInbox()) {
                io.out().println("[" + r.sender() + "] " + r.text());
            }
            return 0;
        }
    }

    @Command(name = "chat", mixinStandardHelpOptions = true,
            description = "Chats in a group: each line of standard input is sent; '/add NAME' adds a member; "
                    + "'/quit' leaves. Incoming messages are printed as they arrive.")
    static final class Chat extends ClientCommand {
        @Option(names = "--group", description = "group id (hex); default: the first group this identity is in")
        String groupHex;

        Chat(PluginContext c, PluginCommand.Io io) {
            super(c, io);
        }

        @Override
        int run(MlsClient client) throws Exception {
            client.onMessage(r -> {
                synchronized (io.out()) {
                    io.out().println("[" + r.sender() + "] " + r.text());
                    io.out().flush();
                }
            });
            client.drainInbox().forEach(r -> io.out().println("[" + r.sender() + "] " + r.text()));
            byte[] group = groupHex != null ? group(groupHex) : null;
            String line;
            while ((line = stdin.readLine()) != null) {
                if (line.equals("/quit")) {
                    break;
                }
                if (group == null) {
                    List<byte[]> gs = await(client.groups(), timeout);
                    if (gs.isEmpty()) {
                        io.out().println("not in any group yet; wait for an invitation or pass --group");
                        continue;
                    }
                    group = gs.getFirst();
                }
                if (line.startsWith("/add ")) {
                    long epoch = await(client.addMember(group, line.substring(5).trim()), timeout);
                    io.out().println("added; epoch " + epoch);
                } else if (!line.isBlank()) {
                    await(client.send(group, line.getBytes(StandardCharsets.UTF_8)), timeout);
                }
            }
            return 0;
        }
    }
}
