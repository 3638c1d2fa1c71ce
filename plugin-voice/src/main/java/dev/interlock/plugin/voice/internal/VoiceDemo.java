package dev.interlock.plugin.voice.internal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoResult.Invariant;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.voice.ChannelConnector;
import dev.interlock.plugin.voice.ClientEvent;
import dev.interlock.plugin.voice.Credentials;
import dev.interlock.plugin.voice.CredentialsProvider;
import dev.interlock.plugin.voice.EventChannel;
import dev.interlock.plugin.voice.OutboundLimits;
import dev.interlock.plugin.voice.ReconnectPolicy;
import dev.interlock.plugin.voice.ServerEvent;
import dev.interlock.plugin.voice.ServerEventType;
import dev.interlock.plugin.voice.SessionState;
import dev.interlock.plugin.voice.VoiceSession;
import dev.interlock.plugin.voice.server.RealtimeServer;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The voice plugin's tour for {@code interlock demo} (seed 003): a {@link VoiceSession} streams a voice order to the
 * embedded {@link RealtimeServer} over a real WebSocket on loopback while the connection is taken away from it.
 *
 * <h2>What runs</h2>
 * <ol>
 *   <li><b>Graceful drops.</b> {@value #TURNS} turns of the Realtime protocol (each: {@value #APPENDS_PER_TURN} audio
 *       appends of 20 ms, {@code input_audio_buffer.commit}, a user text, {@code response.create}) after one
 *       {@code session.update}, paced as a live microphone would be: at most {@value #WINDOW} events ahead of what
 *       the server has read. Meanwhile the connection is dropped at
 *       six fixed points: three times by the server (closing handshake), once by the server on the client's
 *       {@code /drop} command, and twice by the client ({@code disconnect()} with events in flight, events sent
 *       while disconnected, then {@code connect()}). Every connection attempt fetches a fresh single-use token that the server accepts once;
 *       the server fragments its messages into {@value #FRAGMENT_CHARS}-char frames, which the client reassembles.
 *       Invariants: the server received every event exactly once and in order; one reconnect per drop, each with a
 *       fresh token; no duplicates either way; the transcripts the server echoed are exactly the ones a model of the
 *       server predicts from what it received on live connections (a {@code response.create} that reaches a
 *       connection after the server's Close frame is received but cannot be answered, by RFC 6455).
 *   <li><b>Abrupt drops.</b> {@value #ABRUPT_EVENTS} more events through a second session, in windows of
 *       {@value #WINDOW} (the next starts once the server has read the last one or the session has reconnected),
 *       while the server resets the TCP connection twice without a closing handshake; then, once the session is
 *       open again, one more event. What that guarantees is weaker, and the demo checks exactly that: events written
 *       to the dropped socket but not yet read by the server are lost (the Realtime protocol has no
 *       acknowledgement, so re-sending them could duplicate them); every event arrives at most once and in order,
 *       nothing stays unsent, one reconnect per reset, and the event sent after the last reconnect arrives. (The
 *       demo once waited for the last of the 400 to arrive, which it need not: the reset can take it.)
 * </ol>
 * Self-contained: loopback only, ports chosen by the OS, an HTTP client of its own (shut down at the end), both
 * servers and sessions closed before {@link #run} returns; no files. Tokens are never printed.
 */
public final class VoiceDemo implements DemoScenario {

    static final int TURNS = 150;
    static final int APPENDS_PER_TURN = 8;
    /** 20 ms of 16 kHz mono PCM16. */
    static final int AUDIO_BYTES = 640;
    static final int WINDOW = 32;
    static final int FRAGMENT_CHARS = 48;
    static final int ABRUPT_EVENTS = 400;
    /**
     * Keep-alive of the demo's channels: a connection reset without the JDK noticing is found out within 2-3 s (the
     * default, 10 s, would make the demo wait 20-30 s in that case).
     */
    static final Duration KEEP_ALIVE = Duration.ofSeconds(1);
    /** Longest wait for any one step (a window to drain, the server to catch up); far above the normal milliseconds. */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(20);

    /** The event stream of phase 1, with the points where the connection is dropped. */
    private record Plan(List<ClientEvent> events, Map<String, Integer> indexById, Set<Integer> serverDropsAfter,
                        Set<Integer> clientDisconnectsBefore, int dropCommandIndex) {
        int disconnects() {
            return serverDropsAfter.size() + clientDisconnectsBefore.size() + 1;
        }
    }

    @Override
    public String description() {
        Plan plan = plan();
        return "a voice session streams " + plan.events().size() + " events to the embedded realtime server over a"
                + " loopback WebSocket through " + plan.disconnects() + " graceful drops, then " + ABRUPT_EVENTS
                + " more through 2 abrupt ones";
    }

    @Override
    public DemoResult run(PluginContext context, Consumer<String> progress) throws Exception {
        Scheduler scheduler = context.scheduler();
        long started = scheduler.nanoTime();
        List<Invariant> invariants = new ArrayList<>();
        HttpClient http = HttpClient.newBuilder().executor(scheduler).connectTimeout(Duration.ofSeconds(5)).build();
        try {
            Plan plan = plan();
            String ran1 = gracefulPhase(context, http, plan, progress, invariants);
            String ran2 = abruptPhase(context, http, progress, invariants);
            long ms = (scheduler.nanoTime() - started) / 1_000_000;
            progress.accept("done in " + ms + " ms");
            return new DemoResult(ran1 + "; " + ran2, invariants);
        } finally {
            http.shutdownNow();
            http.awaitTermination(Duration.ofSeconds(2));
        }
    }

    // ------------------------------------------------------------------------------------------ phase 1: graceful

    private static Plan plan() {
        List<ClientEvent> events = new ArrayList<>();
        byte[] audio = tone();
        ObjectNode session = JsonNodeFactory.instance.objectNode();
        session.put("type", "realtime");
        session.put("instructions", "Take the customer's order.");
        events.add(ClientEvent.sessionUpdate(session));
        int total = 1 + TURNS * (APPENDS_PER_TURN + 3) + 1;
        int dropCommandTurn = TURNS * 55 / 100;
        int dropCommandIndex = -1;
        for (int turn = 1; turn <= TURNS; turn++) {
            if (turn == dropCommandTurn) {
                dropCommandIndex = events.size();
                events.add(ClientEvent.userText("/drop"));
            }
            for (int a = 0; a < APPENDS_PER_TURN; a++) {
                events.add(ClientEvent.inputAudioAppend(audio));
            }
            events.add(ClientEvent.inputAudioCommit());
            events.add(ClientEvent.userText("order " + turn));
            events.add(ClientEvent.responseCreate());
        }
        List<ClientEvent> withIds = new ArrayList<>(events.size());
        Map<String, Integer> indexById = new HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            String id = "evt_demo_" + i;
            withIds.add(events.get(i).withEventId(id));
            indexById.put(id, i);
        }
        if (withIds.size() != total) {
            throw new IllegalStateException("demo plan has " + withIds.size() + " events, expected " + total);
        }
        // Global 1-based counts of events received by the server, and indexes of events sent, spaced well apart.
        Set<Integer> serverDrops = Set.of(total * 15 / 100, total * 45 / 100, total * 72 / 100);
        Set<Integer> clientDisconnects = Set.of(total * 30 / 100, total * 88 / 100);
        return new Plan(List.copyOf(withIds), Map.copyOf(indexById), serverDrops, clientDisconnects, dropCommandIndex);
    }

    /** A 440 Hz tone: 20 ms of 16 kHz mono PCM16, little-endian. */
    private static byte[] tone() {
        byte[] pcm = new byte[AUDIO_BYTES];
        for (int i = 0; i < AUDIO_BYTES / 2; i++) {
            short s = (short) (Math.sin(2 * Math.PI * 440 * i / 16_000.0) * 8_000);
            pcm[2 * i] = (byte) s;
            pcm[2 * i + 1] = (byte) (s >> 8);
        }
        return pcm;
    }

    /**
     * What the server saw, and a model of how it answers: per connection, the audio bytes since the last commit and
     * the last thing the user said. Guarded by itself; fed from the server's connection threads (one connection
     * delivers events at a time: the server serves a new connection only after the ones it closed finished).
     */
    private static final class ServerLog {
        final Plan plan;
        final List<String> received = new ArrayList<>();
        final Set<Long> connections = new HashSet<>();
        final Set<Long> closing = new HashSet<>();
        final Map<Long, long[]> audio = new HashMap<>();
        final Map<Long, String> lastSaid = new HashMap<>();
        final List<String> expectedTranscripts = new ArrayList<>();
        int expectedErrors;
        final Set<Integer> dropsDone = new HashSet<>();
        int dropsDue;

        ServerLog(Plan plan) {
            this.plan = plan;
        }

        synchronized void received(RealtimeServer.Received r) {
            received.add(r.eventId());
            long conn = r.connectionId();
            connections.add(conn);
            boolean live = !closing.contains(conn);
            Integer index = r.eventId() == null ? null : plan.indexById().get(r.eventId());
            long[] bytes = audio.computeIfAbsent(conn, c -> new long[1]);
            switch (r.type()) {
                case "input_audio_buffer.append" -> bytes[0] += AUDIO_BYTES;
                case "input_audio_buffer.commit" -> {
                    if (bytes[0] == 0) {
                        // the buffer was filled on the previous connection: the server reports an empty commit
                        expectedErrors += live ? 1 : 0;
                    } else {
                        lastSaid.put(conn, "(" + bytes[0] + " bytes of audio)");
                        bytes[0] = 0;
                    }
                }
                case "conversation.item.create" -> {
                    String text = index == null ? "" : userText(plan.events().get(index));
                    if (!text.isEmpty()) {
                        lastSaid.put(conn, text);
                    }
                    if (index != null && index == plan.dropCommandIndex()) {
                        closing.add(conn);
                    }
                }
                case "response.create" -> {
                    if (live) {
                        expectedTranscripts.add("You said: " + lastSaid.getOrDefault(conn, ""));
                    }
                }
                default -> { }
            }
            notifyAll();
        }

        synchronized RealtimeServer.Drop afterEvent(long connectionId, Consumer<String> notes) {
            int count = received.size();
            if (plan.serverDropsAfter().contains(count) && dropsDone.add(count)) {
                dropsDue++;
            }
            // A drop due while this connection is already closing (the client has not seen that Close yet and still
            // sends on it) goes to the next live connection: every planned drop closes a connection of its own.
            if (dropsDue > 0 && !closing.contains(connectionId)) {
                dropsDue--;
                closing.add(connectionId);
                notes.accept("server closes connection " + connectionId + " gracefully after event " + count);
                return RealtimeServer.Drop.GRACEFUL;
            }
            return RealtimeServer.Drop.NONE;
        }

        synchronized int size() {
            return received.size();
        }

        private static String userText(ClientEvent e) {
            return e.toJsonTree().path("item").path("content").path(0).path("text").asText("");
        }
    }

    /** Forced disconnects before event {@code i} of the graceful phase (server drops the pacing has let happen). */
    private static long dropsBefore(Plan plan, int i) {
        return plan.serverDropsAfter().stream().filter(d -> d < i - WINDOW).count()
                + plan.clientDisconnectsBefore().stream().filter(d -> d < i).count()
                + (plan.dropCommandIndex() < i ? 1 : 0);
    }

    private String gracefulPhase(PluginContext context, HttpClient http, Plan plan, Consumer<String> progress,
                                 List<Invariant> invariants) throws Exception {
        Scheduler scheduler = context.scheduler();
        ConcurrentLinkedQueue<String> notes = new ConcurrentLinkedQueue<>();
        ServerLog log = new ServerLog(plan);
        Tokens tokens = new Tokens();
        RealtimeServer.Options options = RealtimeServer.Options.defaults()
                .withFragmentChars(FRAGMENT_CHARS)
                .withAuthorize(tokens::acceptOnce)
                .withOnReceived(log::received)
                .withDropPolicy((conn, n) -> log.afterEvent(conn, notes::add));
        int n = plan.events().size();
        try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0, options)) {
            progress.accept("realtime server on 127.0.0.1:" + server.port() + "; streaming " + n + " events ("
                    + TURNS + " turns of " + APPENDS_PER_TURN + " audio appends, commit, text, response.create)");
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/v1/realtime?model=demo");
            Client client = new Client(context, http, uri, tokens, notes, "voice-demo");
            VoiceSession session = client.session;
            List<String> sent = new ArrayList<>(n);
            try {
                session.connect();
                CompletableFuture<Void> disconnecting = null;
                int reconnectAt = -1;
                for (int i = 0; i < n; i++) {
                    if (plan.clientDisconnectsBefore().contains(i) || i == plan.dropCommandIndex()) {
                        // Each forced disconnect on its own connection: the server's Close can reach the client well
                        // after the server sent it (behind the frames before it), and a '/drop' or disconnect() on
                        // a connection the server is already closing would make two drops one.
                        long own = dropsBefore(plan, i) + 1;
                        await(scheduler, () -> session.state() == SessionState.OPEN
                                        && session.stats().connections() >= own, log,
                                "connection " + own + " to open before event " + i);
                    }
                    if (plan.clientDisconnectsBefore().contains(i)) {
                        // mid-window: the events sent from here on queue up behind the disconnect
                        disconnecting = session.disconnect().toCompletableFuture();
                        reconnectAt = i + WINDOW / 2;
                    }
                    if (i == reconnectAt) {
                        disconnecting.get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                        notes.add("client disconnects before event " + (i - WINDOW / 2) + "; "
                                + session.stats().queued() + " events wait for the next connection");
                        session.connect();
                    }
                    if (i == plan.dropCommandIndex()) {
                        notes.add("client sends '/drop': the server closes the connection after answering it");
                    }
                    // Paced like a live microphone: at most WINDOW events ahead of what the server has read (so each
                    // drop point falls on its own connection, not in a backlog sitting in socket buffers).
                    int behind = i - WINDOW;
                    await(scheduler, () -> log.size() >= behind, log, "the server to read event " + behind);
                    sent.add(session.send(plan.events().get(i)));
                    if (i % WINDOW == WINDOW - 1) {
                        notes.forEach(progress);
                        notes.clear();
                    }
                    if ((i + 1) % (n / 4) == 0) {
                        progress.accept("  " + (i + 1) + "/" + n + " events sent, " + log.size()
                                + " received by the server, " + session.stats().connections() + " connections");
                    }
                }
                awaitDrained(session, n - 1);
                await(scheduler, () -> log.size() >= n, log, "the server to receive all " + n + " events");
                int expectedTranscripts;
                int expectedErrors;
                synchronized (log) {
                    expectedTranscripts = log.expectedTranscripts.size();
                    expectedErrors = log.expectedErrors;
                }
                await(scheduler, () -> client.transcripts.size() >= expectedTranscripts
                        && client.errors.get() >= expectedErrors, client, "the echoed transcripts");
                notes.forEach(progress);
                notes.clear();
            } finally {
                session.close();
            }

            List<String> received;
            List<String> modelled;
            int connectionsSeen;
            int expectedErrors;
            synchronized (log) {
                received = List.copyOf(log.received);
                modelled = List.copyOf(log.expectedTranscripts);
                connectionsSeen = log.connections.size();
                expectedErrors = log.expectedErrors;
            }
            VoiceSession.Stats stats = session.stats();
            int inOrder = 0;
            while (inOrder < Math.min(sent.size(), received.size()) && sent.get(inOrder).equals(received.get(inOrder))) {
                inOrder++;
            }
            boolean exact = received.equals(sent);
            long duplicateIds = received.size() - new HashSet<>(received).size();
            long reconnects = stats.connections() - 1;
            invariants.add(Invariant.expect("events sent", n, (int) stats.sent()));
            invariants.add(new Invariant("events received exactly once, in order",
                    inOrder + "/" + n + (exact ? "" : " (" + received.size() + " received; first difference at #"
                            + (inOrder + 1) + ")"), exact));
            invariants.add(new Invariant("reconnects (one per forced disconnect)", reconnects + " for "
                    + plan.disconnects() + " drops", reconnects == plan.disconnects()));
            int accepted = tokens.accepted();
            invariants.add(new Invariant("fresh single-use token per connection", accepted + " tokens for "
                    + stats.connections() + " connections (" + connectionsSeen + " carried events)",
                    accepted == stats.connections() && tokens.allDistinct()));
            long duplicates = duplicateIds + stats.duplicatesDropped();
            invariants.add(Invariant.expect("duplicates", 0L, duplicates));
            List<String> echoed;
            synchronized (client) {
                echoed = List.copyOf(client.transcripts);
            }
            int unanswerable = TURNS - modelled.size();
            invariants.add(new Invariant("transcripts echoed as modelled", echoed.size() + "/" + modelled.size()
                    + (unanswerable == 0 ? "" : " (" + unanswerable + " of " + TURNS + " requests reached a connection"
                    + " the server was closing)")
                    + (expectedErrors == 0 ? "" : " (+" + expectedErrors + " empty-commit errors)"),
                    echoed.equals(modelled) && client.errors.get() == expectedErrors && !modelled.isEmpty()));
            return n + " events over " + stats.connections() + " connections (" + plan.disconnects()
                    + " graceful drops)";
        }
    }

    // -------------------------------------------------------------------------------------------- phase 2: abrupt

    private String abruptPhase(PluginContext context, HttpClient http, Consumer<String> progress,
                               List<Invariant> invariants) throws Exception {
        Scheduler scheduler = context.scheduler();
        ConcurrentLinkedQueue<String> notes = new ConcurrentLinkedQueue<>();
        List<String> received = new ArrayList<>();
        Set<Integer> dropAt = Set.of(ABRUPT_EVENTS * 30 / 100, ABRUPT_EVENTS * 65 / 100);
        AtomicInteger drops = new AtomicInteger();
        Tokens tokens = new Tokens();
        RealtimeServer.Options options = RealtimeServer.Options.defaults()
                .withAuthorize(tokens::acceptOnce)
                .withOnReceived(r -> {
                    synchronized (received) {
                        received.add(r.eventId());
                        received.notifyAll();
                    }
                })
                .withDropPolicy((conn, k) -> {
                    int count;
                    synchronized (received) {
                        count = received.size();
                    }
                    if (dropAt.contains(count)) {
                        drops.incrementAndGet();
                        notes.add("server resets connection " + conn + " after event " + count
                                + " (no closing handshake)");
                        return RealtimeServer.Drop.ABRUPT;
                    }
                    return RealtimeServer.Drop.NONE;
                });
        try (RealtimeServer server = RealtimeServer.start(scheduler, InetAddress.getLoopbackAddress(), 0, options)) {
            progress.accept("abrupt drops: " + ABRUPT_EVENTS + " events while the server resets the connection twice");
            URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/v1/realtime?model=demo");
            Client client = new Client(context, http, uri, tokens, notes, "voice-demo-abrupt");
            VoiceSession session = client.session;
            List<String> sent = new ArrayList<>(ABRUPT_EVENTS + 1);
            try {
                session.connect();
                long connectionsAtWindowStart = 1;
                for (int i = 0; i < ABRUPT_EVENTS; i++) {
                    sent.add(session.send(ClientEvent.userText("line " + (i + 1))
                            .withEventId("evt_abrupt_" + i)));
                    if (i % WINDOW == WINDOW - 1 || i == ABRUPT_EVENTS - 1) {
                        // Paced like a live source: the next window starts once the server has read this one, or
                        // once the session has reconnected (the rest of this window may have died with the socket).
                        awaitDrained(session, i);
                        String last = sent.getLast();
                        long before = connectionsAtWindowStart;
                        await(scheduler, () -> {
                            synchronized (received) {
                                if (received.contains(last)) {
                                    return true;
                                }
                            }
                            return session.stats().connections() > before;
                        }, received, "the server to read event #" + i + " or the session to reconnect");
                        connectionsAtWindowStart = session.stats().connections();
                        notes.forEach(progress);
                        notes.clear();
                    }
                }
                // Both resets happened (the server reads all but at most a window per reset); once the session is
                // open on the connection after the second one, an event sent now must arrive.
                await(scheduler, () -> drops.get() == dropAt.size() && session.state() == SessionState.OPEN
                                && session.stats().connections() == dropAt.size() + 1,
                        received, "the session to reconnect after the server's " + dropAt.size() + " resets");
                notes.forEach(progress);
                notes.clear();
                String fence = session.send(ClientEvent.userText("after the resets")
                        .withEventId("evt_abrupt_fence"));
                sent.add(fence);
                await(scheduler, () -> {
                    synchronized (received) {
                        return received.contains(fence);
                    }
                }, received, "the server to read the event sent after the last reconnect");
                awaitDrained(session, ABRUPT_EVENTS); // the session has counted the fence as taken, too
            } finally {
                session.close();
            }
            List<String> got;
            synchronized (received) {
                got = List.copyOf(received);
            }
            VoiceSession.Stats stats = session.stats();
            boolean once = got.size() == new HashSet<>(got).size();
            boolean ordered = isSubsequence(got, sent);
            int lost = sent.size() - got.size();
            invariants.add(new Invariant("after abrupt drops: each event at most once, in order, none left unsent",
                    got.size() + "/" + sent.size() + " received, " + lost + " lost in flight, "
                            + drops.get() + " resets, " + (stats.connections() - 1) + " reconnects, " + stats.sent()
                            + " taken, " + stats.queued() + " left",
                    once && ordered && drops.get() == dropAt.size() && stats.queued() == 0
                            && stats.sent() == sent.size() && stats.connections() - 1 == drops.get()
                            && got.getLast().equals(sent.getLast())));
            return ABRUPT_EVENTS + " events through " + drops.get() + " abrupt drops (" + lost + " lost in flight)";
        }
    }

    private static boolean isSubsequence(List<String> sub, List<String> of) {
        int j = 0;
        for (String s : sub) {
            while (j < of.size() && !of.get(j).equals(s)) {
                j++;
            }
            if (j == of.size()) {
                return false;
            }
            j++;
        }
        return true;
    }

    // --------------------------------------------------------------------------------------------------- helpers

    /** Single-use ephemeral tokens: minted per connection attempt, accepted by the server once. Never printed. */
    private static final class Tokens implements CredentialsProvider {
        private final SecureRandom random = new SecureRandom();
        private final Set<String> issued = ConcurrentHashMap.newKeySet();
        private final Set<String> used = ConcurrentHashMap.newKeySet();
        private final AtomicInteger accepted = new AtomicInteger();

        @Override
        public CompletableFuture<Credentials> credentials() {
            byte[] b = new byte[16];
            random.nextBytes(b);
            String token = "ek_demo_" + HexFormat.of().formatHex(b);
            issued.add(token);
            return CompletableFuture.completedFuture(Credentials.bearer(token));
        }

        boolean acceptOnce(String authorization) {
            if (authorization == null || !authorization.startsWith("Bearer ")) {
                return false;
            }
            String token = authorization.substring("Bearer ".length());
            if (issued.remove(token) && used.add(token)) {
                accepted.incrementAndGet();
                return true;
            }
            return false;
        }

        int accepted() {
            return accepted.get();
        }

        boolean allDistinct() {
            return used.size() == accepted.get();
        }
    }

    /** A session over this demo's HTTP client, with a listener collecting transcripts and errors. */
    private static final class Client {
        final VoiceSession session;
        final List<String> transcripts = new ArrayList<>();
        final AtomicInteger errors = new AtomicInteger();

        Client(PluginContext context, HttpClient http, URI uri, CredentialsProvider tokens,
               ConcurrentLinkedQueue<String> notes, String name) {
            Scheduler scheduler = context.scheduler();
            ChannelConnector connector = credentials -> CompletableFuture.<EventChannel>completedFuture(
                    WebSocketEventChannel.open(http, scheduler, uri, credentials.headers(), Duration.ofSeconds(5),
                            1 << 20, KEEP_ALIVE));
            session = VoiceSession.builder(connector)
                    .scheduler(scheduler)
                    .guard(context.guard())
                    .credentials(tokens)
                    .reconnect(new ReconnectPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 8, 0.5))
                    .outboundLimits(OutboundLimits.DEFAULTS)
                    .random(new SplittableRandom(3))
                    .name(name)
                    .build();
            AtomicInteger opened = new AtomicInteger();
            Client self = this;
            session.addListener(new VoiceSession.Listener() {
                @Override
                public void onStateChanged(SessionState from, SessionState to) {
                    if (to == SessionState.OPEN && opened.incrementAndGet() > 1) {
                        notes.add("reconnected: connection " + opened.get() + " open with a fresh token");
                    }
                }

                @Override
                public void onServerEvent(ServerEvent event) {
                    if (event instanceof ServerEvent.Text t && t.done()
                            && t.kind() == ServerEventType.RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE) {
                        synchronized (self) {
                            transcripts.add(t.text());
                            self.notifyAll();
                        }
                    }
                }

                @Override
                public void onError(ServerEvent.Error error, Optional<VoiceSession.SentEvent> cause) {
                    synchronized (self) {
                        errors.incrementAndGet();
                        self.notifyAll();
                    }
                }
            });
        }
    }

    /** Waits until every event sent so far was taken by a channel (across reconnects). */
    private static void awaitDrained(VoiceSession session, int lastIndex) throws Exception {
        try {
            session.drained().toCompletableFuture().get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new TimeoutException("voice demo: events up to #" + lastIndex + " were not all sent within "
                    + STEP_TIMEOUT.toSeconds() + " s (session " + session.state() + ", " + session.stats().queued()
                    + " queued)");
        }
    }

    /**
     * Waits on {@code monitor} (notified by whoever changes what {@code done} reads; re-checked at least every 10 ms
     * for conditions nobody notifies) until {@code done} holds, for at most {@link #STEP_TIMEOUT}.
     *
     * @throws TimeoutException naming {@code what} if it does not
     */
    private static void await(Scheduler scheduler, BooleanSupplier done, Object monitor, String what)
            throws TimeoutException, InterruptedException {
        long deadline = scheduler.nanoTime() + STEP_TIMEOUT.toNanos();
        synchronized (monitor) {
            while (!done.getAsBoolean()) {
                long left = deadline - scheduler.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("voice demo: waited " + STEP_TIMEOUT.toSeconds() + " s for " + what);
                }
                monitor.wait(Math.min(10, Math.max(1, left / 1_000_000)));
            }
        }
    }
}
