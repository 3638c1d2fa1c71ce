package dev.interlock.plugin.voice.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.voice.ClientEvent;
import dev.interlock.plugin.voice.Credentials;
import dev.interlock.plugin.voice.CredentialsProvider;
import dev.interlock.plugin.voice.OutboundQueueFullException;
import dev.interlock.plugin.voice.ServerEvent;
import dev.interlock.plugin.voice.SessionState;
import dev.interlock.plugin.voice.VoiceSession;
import dev.interlock.plugin.voice.WebSocketConnector;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code interlock voice connect --url URL [--header K=V]...}: sends the JSON client events read line by line from
 * standard input and prints every server event as one JSON line on standard output. At the end of input it waits
 * (up to {@code --drain-timeout}) until every event was sent, then disconnects. Exit status 0 when every event was
 * sent, 1 when some were left unsent (session failed or timed out), 2 for usage errors.
 */
@Command(name = "connect", mixinStandardHelpOptions = true,
        description = "Send JSON client events from stdin (one per line) to a realtime endpoint; print server events.")
public final class ConnectCommand implements PluginCommand {

    /** Longest accepted input line, in chars. */
    static final int MAX_LINE_CHARS = 16 << 20;

    @Option(names = "--url", required = true, description = "ws:// or wss:// URL, e.g. ws://127.0.0.1:8765/v1/realtime")
    URI url;

    @Option(names = "--header", description = "K=V header for the upgrade request (repeatable; values are never printed)")
    List<String> headers = List.of();

    @Option(names = "--drain-timeout", defaultValue = "PT30S",
            description = "How long to wait at end of input for queued events to be sent (ISO-8601, default PT30S)",
            converter = DurationConverter.class)
    Duration drainTimeout;

    @Option(names = "--linger", defaultValue = "PT0.5S",
            description = "After every event was sent, keep printing server events until none came for this long"
                    + " (ISO-8601, default PT0.5S)",
            converter = DurationConverter.class)
    Duration linger;

    @Option(names = "--max-attempts", defaultValue = "3", description = "Reconnect attempts before giving up")
    int maxAttempts;

    @Override
    public String name() {
        return "connect";
    }

    @Override
    public String description() {
        return "Send JSON client events from stdin to a realtime endpoint and print server events";
    }

    @Override
    public int run(PluginContext context, List<String> args, Io io) throws Exception {
        ConnectCommand options = new ConnectCommand();
        CommandLine cl = new CommandLine(options);
        cl.setOut(new java.io.PrintWriter(io.out(), true));
        cl.setErr(new java.io.PrintWriter(io.err(), true));
        try {
            CommandLine.ParseResult parsed = cl.parseArgs(args.toArray(String[]::new));
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
        } catch (CommandLine.ParameterException e) {
            io.err().println("voice connect: " + e.getMessage());
            cl.usage(io.err());
            return 2;
        }
        return options.execute(context, io);
    }

    private int execute(PluginContext context, Io io) throws Exception {
        Map<String, String> headerMap = new LinkedHashMap<>();
        for (String h : headers) {
            int eq = h.indexOf('=');
            if (eq <= 0) {
                io.err().println("voice connect: --header must be K=V, got a value without '=' (name: '"
                        + (eq < 0 ? "?" : "") + "'); e.g. --header Authorization=\"Bearer $KEY\"");
                return 2;
            }
            headerMap.put(h.substring(0, eq).trim(), h.substring(eq + 1));
        }
        WebSocketConnector connector;
        try {
            connector = WebSocketConnector.create(context.scheduler(), url, Map.of(), Duration.ofSeconds(10),
                    WebSocketConnector.DEFAULT_MAX_MESSAGE_CHARS);
        } catch (IllegalArgumentException e) {
            io.err().println("voice connect: " + e.getMessage());
            return 2;
        }
        PrintStream out = io.out();
        java.util.concurrent.atomic.AtomicLong lastEvent = new java.util.concurrent.atomic.AtomicLong(
                context.scheduler().nanoTime());
        VoiceSession session = VoiceSession.builder(connector)
                .scheduler(context.scheduler())
                .guard(context.guard())
                .credentials(CredentialsProvider.fixed(new Credentials(headerMap)))
                .reconnect(dev.interlock.plugin.voice.ReconnectPolicy.DEFAULTS.withMaxAttempts(Math.max(1, maxAttempts)))
                .name("voice-connect")
                .build();
        CompletableFuture<Void> failed = new CompletableFuture<>();
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onServerEvent(ServerEvent event) {
                lastEvent.set(context.scheduler().nanoTime());
                synchronized (out) {
                    out.println(event.raw().toString());
                }
            }

            @Override
            public void onError(ServerEvent.Error error, Optional<VoiceSession.SentEvent> cause) {
                cause.ifPresent(c -> io.err().println("voice connect: server error " + error.code() + " caused by "
                        + c.type().wireName() + " " + c.eventId() + ": " + error.message()));
            }

            @Override
            public void onStateChanged(SessionState from, SessionState to) {
                io.err().println("voice connect: " + from + " -> " + to);
                if (to == SessionState.FAILED) {
                    failed.complete(null);
                }
            }

            @Override
            public void onProtocolError(String description) {
                io.err().println("voice connect: " + description);
            }
        });
        session.connect();
        int rejected = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8))) {
            BoundedLines lines = new BoundedLines(in, MAX_LINE_CHARS);
            String line;
            long lineNo = 0;
            while ((line = lines.next()) != null) {
                lineNo++;
                if (lines.lastWasTooLong()) {
                    io.err().println("voice connect: line " + lineNo + " is over the limit of " + MAX_LINE_CHARS
                            + " chars; skipped");
                    rejected++;
                    continue;
                }
                if (line.isBlank()) {
                    continue;
                }
                try {
                    session.send(ClientEvent.fromJson(line));
                } catch (IllegalArgumentException | OutboundQueueFullException | IllegalStateException e) {
                    io.err().println("voice connect: line " + lineNo + ": " + e.getMessage());
                    rejected++;
                }
            }
        }
        CompletableFuture<Void> drained = session.drained().toCompletableFuture();
        try {
            CompletableFuture.anyOf(drained, failed).get(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            io.err().println("voice connect: " + session.unsentEvents().size() + " events still unsent after "
                    + drainTimeout);
        }
        int unsent = session.unsentEvents().size();
        if (unsent == 0 && session.state() == SessionState.OPEN) {
            awaitQuiet(context.scheduler(), lastEvent, linger).get(drainTimeout.toMillis() + linger.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        session.disconnect().toCompletableFuture().get(10, TimeUnit.SECONDS);
        session.close();
        if (unsent > 0) {
            io.err().println("voice connect: " + unsent + " events were not sent");
            return 1;
        }
        return rejected > 0 ? 1 : 0;
    }

    /** Completes once no server event arrived for {@code quiet}, measured on the scheduler's clock. */
    private static CompletableFuture<Void> awaitQuiet(dev.interlock.api.exec.Scheduler scheduler,
                                                      java.util.concurrent.atomic.AtomicLong lastEvent, Duration quiet) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long quietNanos = quiet.toNanos();
        Runnable check = new Runnable() {
            @Override
            public void run() {
                long idle = scheduler.nanoTime() - lastEvent.get();
                if (idle >= quietNanos) {
                    done.complete(null);
                } else {
                    scheduler.schedule(this, Duration.ofNanos(quietNanos - idle));
                }
            }
        };
        scheduler.schedule(check, quiet);
        return done;
    }

    /** Reads lines of at most {@code max} chars; a longer line is consumed without being kept. */
    static final class BoundedLines {
        private final java.io.Reader in;
        private final int max;
        private boolean tooLong;

        BoundedLines(java.io.Reader in, int max) {
            this.in = in;
            this.max = max;
        }

        /** The next line without its terminator ("" for an over-long one), or null at the end of input. */
        String next() throws java.io.IOException {
            StringBuilder sb = new StringBuilder();
            tooLong = false;
            int c;
            boolean any = false;
            while ((c = in.read()) >= 0) {
                any = true;
                if (c == '\n') {
                    break;
                }
                if (tooLong) {
                    continue;
                }
                if (sb.length() == max) {
                    tooLong = true;
                    sb.setLength(0);
                    continue;
                }
                sb.append((char) c);
            }
            if (!any) {
                return null;
            }
            int n = sb.length();
            if (n > 0 && sb.charAt(n - 1) == '\r') {
                sb.setLength(n - 1);
            }
            return sb.toString();
        }

        boolean lastWasTooLong() {
            return tooLong;
        }
    }

    /** Parses ISO-8601 durations for picocli. */
    public static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Duration.parse(value);
            } catch (java.time.format.DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("not an ISO-8601 duration: '" + value + "' (e.g. PT30S)");
            }
        }
    }
}
