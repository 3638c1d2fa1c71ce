package dev.interlock.plugin.telegram.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoResult.Invariant;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.telegram.botapi.BotApi;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import dev.interlock.plugin.telegram.daemon.BridgeDaemon;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The telegram-bridge tour for {@code interlock demo}: the real daemon (its Unix socket and SQLite store in a
 * temporary directory) against the embedded Bot API emulator over real HTTP on loopback, under a burst of hook
 * events for sessions it has never seen (seed 004's scenario).
 *
 * <h2>What runs</h2>
 * {@value #SESSIONS} new sessions x {@value #EVENTS} events from {@value #CONNECTIONS} socket connections. Each
 * session's first two events ({@code session_start}, {@code user_input}) are sent at the same moment on two
 * different connections, so two first events of one session race into topic creation, as in the seed; all
 * connections start together. After that round, each session's home connection sends the remaining events in order.
 *
 * <h2>What was relaxed, and why</h2>
 * The emulator enforces Telegram's bot-wide limit (30 messages per second, sliding window) but not the per-chat
 * limit of 20 messages per minute: at 20 per minute the {@value #SESSIONS} topics alone would take minutes. The
 * daemon's own pacer is opened up to match (no per-chat budget or interval) and its bot-wide budget is lifted too,
 * so it overruns the emulator's 30 per second and must honour each {@code 429 retry_after}. Long poll is 1 s
 * (instead of 30 s) so that the daemon stops promptly. Nothing else differs from production.
 *
 * <h2>Invariants</h2>
 * Every event acknowledged; one topic per session (and no other topic); no event lost or duplicated; per session,
 * delivery order equals the daemon's acceptance order (the outbox ids it acknowledged); every 429 honoured (the next
 * call reached the emulator no sooner than {@code retry_after} later). See {@link #check}.
 *
 * <h2>Resources</h2>
 * Needs a scheduler backed by real threads (the host's): the emulator's HTTP server, the daemon's socket and the
 * senders run on it and block. Everything it starts (emulator, daemon, HTTP client, connections) is closed and the
 * temporary directory deleted before {@link #run} returns, whether it passed, failed or threw. The bot token is
 * random per run and never printed.
 */
public final class BridgeDemo implements DemoScenario {

    /** New sessions in the burst. */
    static final int SESSIONS = 50;
    /** Events per session. */
    static final int EVENTS = 10;
    /** Socket connections the events arrive on. */
    static final int CONNECTIONS = 5;
    /** The demo's forum chat. */
    static final long CHAT = -1001000000001L;
    /** Telegram's bot-wide limit, enforced by the emulator (messages per second). */
    static final int EMULATOR_GLOBAL_PER_SECOND = 30;
    /** Longest the demo waits for acknowledgements, then for delivery (scheduler time). */
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    /** How often delivery progress is checked. */
    private static final Duration POLL = Duration.ofMillis(25);

    private static final String[] TYPES = {"session_start", "user_input", "agent_response", "tool_start",
            "tool_result", "agent_response", "tool_start", "tool_result", "agent_response", "turn_complete"};
    private static final Pattern MARK = Pattern.compile("\\bs(\\d+)-e(\\d+)\\b");
    private static final Pattern RETRY = Pattern.compile("retry after (\\d+)");

    private final int sessions;
    private final int events;
    private final int connections;

    /** The demo at its documented size. */
    public BridgeDemo() {
        this(SESSIONS, EVENTS, CONNECTIONS);
    }

    /** A demo of another size (tests). {@code events >= 2}, {@code connections >= 2}. */
    BridgeDemo(int sessions, int events, int connections) {
        if (sessions < 1 || events < 2 || events > TYPES.length || connections < 2) {
            throw new IllegalArgumentException("need sessions >= 1 (" + sessions + "), 2 <= events <= "
                    + TYPES.length + " (" + events + "), connections >= 2 (" + connections + ")");
        }
        this.sessions = sessions;
        this.events = events;
        this.connections = connections;
    }

    @Override
    public String description() {
        return "the daemon (Unix socket, SQLite outbox) against the Bot API emulator over HTTP: " + sessions
                + " new sessions x " + events + " events from " + connections + " connections, first events racing;"
                + " emulator at Telegram's 30 msg/s bot-wide, its 20 msg/min per-chat limit off";
    }

    @Override
    public DemoResult run(PluginContext context, Consumer<String> progress) throws Exception {
        Scheduler scheduler = context.scheduler();
        Path dir = Files.createTempDirectory("interlock-telegram-demo-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        QuietLogger log = new QuietLogger(context.logger());
        BotApiEmulator emulator = null;
        BridgeDaemon daemon = null;
        try {
            String token = randomToken();
            emulator = BotApiEmulator.create(scheduler, token).limits(0, EMULATOR_GLOBAL_PER_SECOND).start();
            Map<String, String> settings = new HashMap<>();
            settings.put("chat-id", Long.toString(CHAT));
            settings.put("api-base-url", emulator.baseUrl().toString());
            settings.put("socket", dir.resolve("run").resolve("bridge.sock").toString());
            settings.put("db", dir.resolve("data").resolve("bridge.db").toString());
            settings.put("token-env", "DEMO_TOKEN");
            settings.put("max-connections", Integer.toString(connections + 4));
            settings.put("per-chat-per-minute", "1000000");
            settings.put("per-chat-interval", "0ms");
            settings.put("global-per-second", "1000000");
            settings.put("backoff-base", "50ms");
            settings.put("backoff-max", "1s");
            settings.put("long-poll", "1s");
            settings.put("call-timeout", "10s");
            BridgeConfig config = BridgeConfig.load(settings, Map.of("DEMO_TOKEN", token));
            long begin = scheduler.nanoTime();
            daemon = new BridgeDaemon(config, scheduler, context.guard(), null, log).start();
            long t0 = scheduler.nanoTime();
            progress.accept(String.format(Locale.ROOT, "Bot API emulator on %s (30 msg/s bot-wide); daemon up in"
                    + " %.2f s (Unix socket, SQLite outbox, temp dir)", emulator.baseUrl(), seconds(t0 - begin)));

            Map<String, Long> acks = send(scheduler, config.socket());
            long accepted = scheduler.nanoTime();
            progress.accept(String.format(Locale.ROOT, "%d events acknowledged (persisted) in %.2f s over %d"
                    + " connections", acks.size(), seconds(accepted - t0), connections));

            BridgeDaemon d = daemon;
            awaitDelivery(scheduler, () -> d.store().outboxCounts()[0] == 0);
            long drained = scheduler.nanoTime();
            List<BotApiEmulator.Topic> topics = emulator.topics(CHAT);
            List<BotApiEmulator.Call> calls = emulator.calls();
            long rate429 = calls.stream().filter(c -> c.status() == 429).count();
            progress.accept(String.format(Locale.ROOT, "outbox drained in %.2f s: %d topics, %d Telegram calls,"
                    + " %d answered 429", seconds(drained - accepted), topics.size(),
                    calls.stream().filter(c -> !c.method().equals("getUpdates")).count(), rate429));
            DemoResult result = new DemoResult(String.format(Locale.ROOT, "%d sessions x %d events, %d"
                            + " connections, %d topics, %d sendMessage", sessions, events, connections, topics.size(),
                    calls.stream().filter(c -> c.method().equals("sendMessage") && c.status() == 200).count()),
                    check(sessions, events, acks, topics, calls));
            if (log.errors() > 0) {
                progress.accept("the daemon logged " + log.errors() + " errors (see the log)");
            }
            return result;
        } finally {
            if (daemon != null) {
                daemon.close();
            }
            if (emulator != null) {
                emulator.close();
            }
            deleteTree(dir);
        }
    }

    // ------------------------------------------------------------------ the burst

    /** Sends every event; returns the outbox id acknowledged for each event mark ("s3-e7"). */
    private Map<String, Long> send(Scheduler scheduler, Path socket) throws Exception {
        Map<String, Long> acks = new java.util.concurrent.ConcurrentHashMap<>();
        CountDownLatch ready = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch firstRoundDone = new CountDownLatch(connections);
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            int conn = c;
            CompletableFuture<Void> f = new CompletableFuture<>();
            senders.add(f);
            scheduler.execute(() -> {
                try (Connection client = new Connection(socket)) {
                    ready.countDown();
                    go.await();
                    // round 0: first events race, e0 on the session's home connection and e1 on the next one
                    List<String> first = new ArrayList<>();
                    for (int s = 0; s < sessions; s++) {
                        if (s % connections == conn) {
                            first.add(mark(s, 0));
                        }
                        if ((s + 1) % connections == conn) {
                            first.add(mark(s, 1));
                        }
                    }
                    client.exchange(first, acks);
                    firstRoundDone.countDown();
                    firstRoundDone.await();
                    // then each home connection sends its sessions' remaining events in order, pipelined per round
                    for (int e = 2; e < events; e++) {
                        List<String> round = new ArrayList<>();
                        for (int s = conn; s < sessions; s += connections) {
                            round.add(mark(s, e));
                        }
                        client.exchange(round, acks);
                    }
                    f.complete(null);
                } catch (Throwable t) {
                    ready.countDown();
                    firstRoundDone.countDown();
                    f.completeExceptionally(t);
                }
            });
        }
        if (!ready.await(DEADLINE.toSeconds(), TimeUnit.SECONDS)) {
            throw new TimeoutException("socket connections were not all open within " + DEADLINE);
        }
        go.countDown();
        try {
            CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new))
                    .get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        return acks;
    }

    private static String mark(int session, int event) {
        return "s" + session + "-e" + event;
    }

    private static String sessionId(int session) {
        return String.format(Locale.ROOT, "demo-%03d", session);
    }

    /** A blocking NDJSON client of the daemon's socket: a hook connection. */
    private static final class Connection implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final ByteBuffer in = ByteBuffer.allocate(16 * 1024);

        Connection(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                ch.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                ch.close();
                throw e;
            }
        }

        /** Sends the events (pipelined) and records each acknowledged outbox id; a refusal fails the run. */
        void exchange(List<String> marks, Map<String, Long> acks) throws IOException {
            StringBuilder lines = new StringBuilder();
            for (String m : marks) {
                Matcher matcher = MARK.matcher(m);
                if (!matcher.matches()) {
                    throw new IllegalStateException("bad mark " + m);
                }
                int s = Integer.parseInt(matcher.group(1));
                int e = Integer.parseInt(matcher.group(2));
                lines.append(BotApi.JSON.createObjectNode().put("type", TYPES[e]).put("sessionId", sessionId(s))
                        .put("timestamp", "2026-01-01T00:00:00Z").put("content", "event " + m)).append('\n');
            }
            ByteBuffer out = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            for (String m : marks) {
                JsonNode answer = readAnswer();
                if (answer == null || !answer.path("ok").asBoolean(false)) {
                    throw new IllegalStateException("the daemon did not accept event " + m + ": " + answer);
                }
                acks.put(m, answer.path("id").asLong());
            }
        }

        private JsonNode readAnswer() throws IOException {
            while (true) {
                byte[] buf = pending.toByteArray();
                for (int i = 0; i < buf.length; i++) {
                    if (buf[i] == '\n') {
                        JsonNode node = BotApi.JSON.readTree(java.util.Arrays.copyOf(buf, i));
                        pending.reset();
                        pending.write(buf, i + 1, buf.length - i - 1);
                        return node;
                    }
                }
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    return null;
                }
                pending.write(in.array(), 0, n);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** Waits, checking every {@link #POLL} on the scheduler, until {@code done}; fails after {@link #DEADLINE}. */
    private static void awaitDelivery(Scheduler scheduler, java.util.function.BooleanSupplier done)
            throws Exception {
        CompletableFuture<Void> finished = new CompletableFuture<>();
        long deadline = scheduler.nanoTime() + DEADLINE.toNanos();
        Runnable[] check = new Runnable[1];
        check[0] = () -> {
            try {
                if (done.getAsBoolean()) {
                    finished.complete(null);
                } else if (scheduler.nanoTime() > deadline) {
                    finished.completeExceptionally(new TimeoutException("the outbox did not drain within "
                            + DEADLINE));
                } else {
                    scheduler.schedule(check[0], POLL);
                }
            } catch (RuntimeException e) {
                finished.completeExceptionally(e);
            }
        };
        scheduler.execute(check[0]);
        try {
            finished.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    // ------------------------------------------------------------------ the invariants

    /**
     * Checks the invariants against what the emulator holds.
     *
     * @param acks   for each event mark ({@code s<session>-e<event>}), the outbox id the daemon acknowledged
     * @param topics the chat's topics in creation order, with their messages
     * @param calls  every call the emulator handled, in order
     */
    static List<Invariant> check(int sessions, int events, Map<String, Long> acks, List<BotApiEmulator.Topic> topics,
                                 List<BotApiEmulator.Call> calls) {
        List<Invariant> out = new ArrayList<>();
        int expected = sessions * events;
        out.add(Invariant.expect("events acknowledged", expected + "/" + expected,
                acks.size() + "/" + expected));

        // where each event was delivered, in delivery order per topic
        Map<Integer, Set<Long>> topicsOf = new HashMap<>();
        Map<Integer, List<String>> delivered = new HashMap<>();
        Map<String, Integer> copies = new HashMap<>();
        for (BotApiEmulator.Topic t : topics) {
            for (BotApiEmulator.Message m : t.messages()) {
                Matcher matcher = MARK.matcher(m.text());
                while (matcher.find()) {
                    int s = Integer.parseInt(matcher.group(1));
                    topicsOf.computeIfAbsent(s, k -> new HashSet<>()).add(t.threadId());
                    delivered.computeIfAbsent(s, k -> new ArrayList<>()).add(matcher.group());
                    copies.merge(matcher.group(), 1, Integer::sum);
                }
            }
        }

        int maxTopics = 0;
        int withoutTopic = 0;
        for (int s = 0; s < sessions; s++) {
            int n = topicsOf.getOrDefault(s, Set.of()).size();
            maxTopics = Math.max(maxTopics, n);
            withoutTopic += n == 0 ? 1 : 0;
        }
        boolean oneEach = maxTopics == 1 && withoutTopic == 0 && topics.size() == sessions;
        out.add(new Invariant("topics per session", oneEach ? "1" : "max " + maxTopics + ", " + withoutTopic
                + " sessions without one, " + topics.size() + " topics for " + sessions + " sessions", oneEach));

        int lost = 0;
        for (String mark : acks.keySet()) {
            lost += copies.containsKey(mark) ? 0 : 1;
        }
        out.add(Invariant.expect("events lost", 0, lost));
        int duplicated = copies.values().stream().mapToInt(c -> c - 1).sum();
        out.add(Invariant.expect("events duplicated", 0, duplicated));

        int outOfOrder = 0;
        for (Map.Entry<Integer, List<String>> e : delivered.entrySet()) {
            long previous = Long.MIN_VALUE;
            for (String mark : e.getValue()) {
                long id = acks.getOrDefault(mark, Long.MIN_VALUE);
                if (id <= previous) {
                    outOfOrder++;
                    break;
                }
                previous = id;
            }
        }
        out.add(new Invariant("per-session order intact", outOfOrder == 0 ? "yes"
                : "no (" + outOfOrder + " sessions out of acceptance order)", outOfOrder == 0));

        // each 429 honoured: the next call that counts against the limits came no sooner than retry_after later
        List<BotApiEmulator.Call> paced = calls.stream().filter(c -> !c.method().equals("getUpdates")
                && !c.method().equals("answerCallbackQuery")).toList();
        int refused = 0;
        int honoured = 0;
        for (int i = 0; i < paced.size(); i++) {
            BotApiEmulator.Call c = paced.get(i);
            if (c.status() != 429) {
                continue;
            }
            refused++;
            Matcher retry = RETRY.matcher(c.description());
            long wait = TimeUnit.SECONDS.toNanos(retry.find() ? Long.parseLong(retry.group(1)) : 1);
            if (i + 1 == paced.size() || paced.get(i + 1).atNanos() - c.atNanos() >= wait) {
                honoured++;
            }
        }
        out.add(new Invariant("429s honoured", honoured + "/" + refused, honoured == refused));
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private static String randomToken() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return "1000:" + HexFormat.of().formatHex(b);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * The daemon's logger during the demo: errors go to the plugin's logger (and are counted); the expected chatter
     * (start-up lines, the 429 waits the demo provokes) is dropped, so the demo's output stays the progress lines.
     * The invariants, not the log, say whether the run was right.
     */
    static final class QuietLogger implements System.Logger {
        private final System.Logger target;
        private final AtomicLong errors = new AtomicLong();

        QuietLogger(System.Logger target) {
            this.target = Objects.requireNonNull(target, "target");
        }

        long errors() {
            return errors.get();
        }

        @Override
        public String getName() {
            return target.getName();
        }

        @Override
        public boolean isLoggable(Level level) {
            return level.getSeverity() >= Level.ERROR.getSeverity();
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
            if (level.getSeverity() >= Level.ERROR.getSeverity()) {
                errors.incrementAndGet();
                target.log(level, bundle, msg, thrown);
            }
        }

        @Override
        public void log(Level level, ResourceBundle bundle, String format, Object... params) {
            log(level, bundle, params == null || params.length == 0 ? format
                    : java.text.MessageFormat.format(format, params), (Throwable) null);
        }
    }
}
