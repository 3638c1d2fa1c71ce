package dev.interlock.plugin.telegram.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.telegram.botapi.BotApi;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code interlock telegram-bridge hook}: run by the agent on each hook event. Reads the hook JSON from stdin (at
 * most {@value #MAX_INPUT} bytes), sends one bridge message to the daemon and waits for its acknowledgement.
 *
 * <ul>
 *   <li>The agent must never hang on the bridge: when the daemon is not running (no socket, or nobody listening)
 *       the command exits 0 at once and prints nothing; every wait is bounded ({@code --ack-timeout} for the
 *       acknowledgement, {@code --approval-timeout} for a decision), measured on the injected scheduler.
 *   <li>For a tool-approval event (PreToolUse of an approval tool) it prints the agent's permission decision:
 *       {@code {"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow|deny|ask",...}}};
 *       "ask" (decide in the terminal) whenever no decision arrives in time.
 *   <li>Always exits 0; problems go to stderr.
 * </ul>
 */
public final class HookCommand implements PluginCommand {

    /** Largest hook input read from stdin, in bytes. */
    public static final int MAX_INPUT = 1 << 20;
    /** Largest answer line read from the daemon, in bytes. */
    static final int MAX_ANSWER = 64 * 1024;

    private final Map<String, String> env;

    public HookCommand() {
        this(System.getenv());
    }

    public HookCommand(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    @Override
    public String name() {
        return "hook";
    }

    @Override
    public String description() {
        return "Forward one agent hook event (JSON on stdin) to the bridge daemon";
    }

    @Override
    public int run(PluginContext context, List<String> args, Io io) {
        CommandLine cl = new CommandLine(new Cli(context, io, env));
        cl.setOut(new PrintWriter(io.out(), true));
        cl.setErr(new PrintWriter(io.err(), true));
        return cl.execute(args.toArray(String[]::new));
    }

    @Command(name = "hook", mixinStandardHelpOptions = true,
            description = "Forward one agent hook event (JSON on stdin) to the telegram-bridge daemon.")
    static final class Cli implements Callable<Integer> {
        private final PluginContext context;
        private final Io io;
        private final Map<String, String> env;

        @Option(names = "--socket", description = "Unix socket of the daemon")
        String socket;
        @Option(names = "--approval-tools", split = ",",
                description = "Tools whose PreToolUse asks in Telegram ('*' for all; default: ${DEFAULT-VALUE})")
        List<String> approvalTools = List.of("Bash", "Write", "Edit", "MultiEdit", "NotebookEdit", "WebFetch");
        @Option(names = "--ack-timeout", description = "How long to wait for the daemon's acknowledgement (default 5s)")
        String ackTimeout = "5s";
        @Option(names = "--approval-timeout",
                description = "How long to wait for an approval before answering 'ask' (default 6m)")
        String approvalTimeout = "6m";
        @Option(names = "--set", description = "Other settings KEY=VALUE")
        Map<String, String> set = new HashMap<>();

        Cli(PluginContext context, Io io, Map<String, String> env) {
            this.context = context;
            this.io = io;
            this.env = env;
        }

        @Override
        public Integer call() {
            byte[] input;
            try {
                input = readBounded(io.in());
            } catch (IOException e) {
                io.err().println("telegram-bridge hook: cannot read stdin: " + e.getMessage());
                return 0;
            }
            if (input == null) {
                io.err().println("telegram-bridge hook: the hook input exceeds " + MAX_INPUT
                        + " bytes; not forwarded");
                return 0;
            }
            ObjectNode message;
            try {
                JsonNode hook = BotApi.JSON.readTree(input);
                message = HookMapper.map(hook == null ? BotApi.JSON.nullNode() : hook, Set.copyOf(approvalTools),
                        env.getOrDefault("HOSTNAME", "localhost"), context.scheduler().clock().instant());
            } catch (IOException | IllegalArgumentException e) {
                io.err().println("telegram-bridge hook: not forwarded: " + e.getMessage());
                return 0;
            }
            boolean approval = message.path("type").asText().equals("approval_request");
            Map<String, String> options = new LinkedHashMap<>();
            options.put("socket", socket);
            Path path = BridgeConfig.socketPath(Settings.merge(context, options, set), env);
            Duration wait;
            try {
                wait = BridgeConfig.parseDuration(approval ? approvalTimeout : ackTimeout);
            } catch (RuntimeException e) {
                io.err().println("telegram-bridge hook: bad timeout: " + e.getMessage());
                return 0;
            }
            JsonNode answer = exchange(path, message.toString(), wait);
            if (approval) {
                String decision = answer == null ? "ask" : answer.path("decision").asText("ask");
                String by = answer == null ? "" : answer.path("by").asText("");
                String reason = switch (decision) {
                    case "allow" -> "Allowed in Telegram" + (by.isEmpty() ? "" : " by " + by);
                    case "deny" -> "Denied in Telegram" + (by.isEmpty() ? "" : " by " + by);
                    default -> "No decision from Telegram; asking in the terminal";
                };
                if (answer == null && !daemonReached) {
                    return 0; // daemon not running: stay out of the agent's way
                }
                ObjectNode out = BotApi.JSON.createObjectNode();
                out.putObject("hookSpecificOutput").put("hookEventName", "PreToolUse")
                        .put("permissionDecision", decision).put("permissionDecisionReason", reason);
                io.out().println(out);
            }
            return 0;
        }

        private boolean daemonReached;

        /** Sends one line and reads one answer line, within {@code wait}; null if none. */
        private JsonNode exchange(Path path, String line, Duration wait) {
            SocketChannel ch;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            } catch (IOException e) {
                return null;
            }
            Cancellable watchdog = context.scheduler().schedule(() -> {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing to unblock the read
                }
            }, wait);
            try (ch) {
                try {
                    ch.connect(UnixDomainSocketAddress.of(path));
                } catch (IOException e) {
                    return null; // not running: quietly
                }
                daemonReached = true;
                ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                ByteBuffer in = ByteBuffer.allocate(4096);
                while (answer.size() <= MAX_ANSWER) {
                    in.clear();
                    int n = ch.read(in);
                    if (n < 0) {
                        return null;
                    }
                    for (int i = 0; i < n; i++) {
                        byte b = in.get(i);
                        if (b == '\n') {
                            JsonNode node = BotApi.JSON.readTree(answer.toByteArray());
                            if (!node.path("ok").asBoolean(false)) {
                                io.err().println("telegram-bridge hook: the daemon rejected the event: "
                                        + node.path("error").asText());
                            }
                            return node;
                        }
                        answer.write(b);
                    }
                }
                return null;
            } catch (IOException e) {
                return null;
            } finally {
                watchdog.cancel();
            }
        }

        private static byte[] readBounded(InputStream in) throws IOException {
            byte[] data = in.readNBytes(MAX_INPUT + 1);
            return data.length > MAX_INPUT ? null : Arrays.copyOf(data, data.length);
        }
    }
}
