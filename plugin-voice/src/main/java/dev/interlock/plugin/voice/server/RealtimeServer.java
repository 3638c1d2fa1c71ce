package dev.interlock.plugin.voice.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Scheduler;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A small local server in the shape of the Realtime API, for demos ({@code interlock voice serve}) and tests: it
 * answers client events with the server events a real service would send, echoes what the user said as an output
 * audio transcript, and can drop connections on command (gracefully, with a closing handshake, or abruptly).
 *
 * <h2>Behaviour</h2>
 * <ul>
 *   <li>On connect: {@code session.created}.
 *   <li>{@code session.update} -> {@code session.updated}; {@code input_audio_buffer.append} -> nothing (as the real
 *       service); {@code .commit} -> {@code input_audio_buffer.committed} + {@code conversation.item.added} (or an
 *       {@code error} if the buffer is empty); {@code .clear} -> {@code input_audio_buffer.cleared};
 *       {@code conversation.item.create} -> {@code conversation.item.added}; {@code .truncate} / {@code .delete} ->
 *       {@code conversation.item.truncated} / {@code .deleted}; {@code response.create} -> {@code response.created},
 *       an audio delta, transcript deltas echoing the last user text ("You said: ..."), their done events and
 *       {@code response.done}; {@code response.cancel} -> {@code error} (responses finish at once here).
 *   <li>Any other type, or text that is not a JSON event -> {@code error} naming it, with {@code event_id} set to the
 *       client event's id (for correlation).
 *   <li>A user text of exactly {@code /drop} makes the server close that connection after answering.
 *   <li>Ordering across reconnects: while a connection it closed gracefully is still finishing its closing handshake
 *       (the client may still be sending what it sent before it saw the Close), no event of a newer connection is
 *       handled (checked at the new connection's open and before each of its events: the new connection may have
 *       been opened before the server closed the old one, when the client's own disconnect crossed the server's
 *       drop); so a client that reconnects has its events handled in the order it sent them (a one-client demo
 *       server).
 *   <li>With {@code betaNames}, it uses the older beta names ({@code conversation.item.created},
 *       {@code response.audio_transcript.delta}, {@code response.audio.delta}, ...).
 * </ul>
 * Server event ids are unique per server ({@code event_1}, {@code event_2}, ...).
 */
public final class RealtimeServer implements AutoCloseable {

    /** One client event as received. */
    public record Received(long connectionId, String eventId, String type) {
    }

    /** Options. */
    public record Options(int maxMessageBytes, int maxConnections, boolean betaNames, int fragmentChars,
                          Predicate<String> authorize, Consumer<Received> onReceived,
                          DropPolicy dropPolicy) {
        public Options {
            Objects.requireNonNull(authorize, "authorize");
            Objects.requireNonNull(onReceived, "onReceived");
            Objects.requireNonNull(dropPolicy, "dropPolicy");
        }

        /** 16 MiB messages, 64 connections, GA names, no fragmentation, no auth, no drops. */
        public static Options defaults() {
            return new Options(16 << 20, 64, false, 0, auth -> true, r -> { }, DropPolicy.NEVER);
        }

        public Options withBetaNames(boolean beta) {
            return new Options(maxMessageBytes, maxConnections, beta, fragmentChars, authorize, onReceived, dropPolicy);
        }

        public Options withFragmentChars(int chars) {
            return new Options(maxMessageBytes, maxConnections, betaNames, chars, authorize, onReceived, dropPolicy);
        }

        public Options withAuthorize(Predicate<String> a) {
            return new Options(maxMessageBytes, maxConnections, betaNames, fragmentChars, a, onReceived, dropPolicy);
        }

        public Options withOnReceived(Consumer<Received> r) {
            return new Options(maxMessageBytes, maxConnections, betaNames, fragmentChars, authorize, r, dropPolicy);
        }

        public Options withDropPolicy(DropPolicy d) {
            return new Options(maxMessageBytes, maxConnections, betaNames, fragmentChars, authorize, onReceived, d);
        }
    }

    /** Decides, after each received event, whether to drop that connection (tests: at random points). */
    @FunctionalInterface
    public interface DropPolicy {
        DropPolicy NEVER = (connectionId, eventsOnConnection) -> Drop.NONE;

        Drop afterEvent(long connectionId, long eventsOnConnection);
    }

    /** How to drop. */
    public enum Drop {
        NONE,
        /** Close frame, then keep reading until the client's Close: nothing the client sent is lost. */
        GRACEFUL,
        /** Close the socket at once: data in flight may be lost. */
        ABRUPT
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final Scheduler scheduler;
    private final WebSocketServer server;
    private final AtomicLong eventIds = new AtomicLong();
    private final AtomicLong itemIds = new AtomicLong();
    private final Map<Long, ConnectionState> states = new ConcurrentHashMap<>();
    /** Connections closed gracefully by this server whose closing handshake has not finished. Guarded by itself. */
    private final java.util.Set<Long> draining = new java.util.HashSet<>();
    /** Connections held in {@link #awaitDrained}. Guarded by {@link #draining}. */
    private int waiting;
    /** Longest a new connection waits for closing ones to finish. */
    static final java.time.Duration DRAIN_WAIT = java.time.Duration.ofSeconds(10);

    private static final class ConnectionState {
        long events;
        long audioBytes;
        String lastUserText = "";
    }

    private RealtimeServer(Scheduler scheduler, InetAddress address, int port, Options options) throws IOException {
        this.options = options;
        this.scheduler = scheduler;
        this.server = WebSocketServer.start(scheduler, address, port, new Handler(), options.maxMessageBytes(),
                options.maxConnections());
    }

    /** Starts a server on {@code address:port} (0: any free port). Blocking I/O: give it a virtual-thread scheduler. */
    public static RealtimeServer start(Scheduler scheduler, InetAddress address, int port, Options options)
            throws IOException {
        return new RealtimeServer(scheduler, address, port, options);
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    /** Connections open now. */
    public int connectionCount() {
        return server.connections().size();
    }

    /** Ping frames received on the connections open now (each answered with a Pong). */
    public long pingsReceived() {
        return server.connections().stream().mapToLong(WebSocketServer.Connection::pingsReceived).sum();
    }

    /** Drops every open connection; returns how many. */
    public int dropAll(Drop how) {
        int n = 0;
        for (WebSocketServer.Connection c : server.connections()) {
            drop(c, how);
            n++;
        }
        return n;
    }

    @Override
    public void close() {
        server.close();
    }

    private void drop(WebSocketServer.Connection c, Drop how) {
        switch (how) {
            case GRACEFUL -> {
                synchronized (draining) {
                    draining.add(c.id());
                }
                c.close(1012, "server dropped the connection");
            }
            case ABRUPT -> c.drop();
            case NONE -> { }
        }
    }

    private final class Handler implements WebSocketServer.Handler {
        @Override
        public boolean authorize(String authorization) {
            return options.authorize().test(authorization);
        }

        @Override
        public void onOpen(WebSocketServer.Connection c) {
            awaitDrained(c.id());
            c.fragmentOutgoing(options.fragmentChars());
            states.put(c.id(), new ConnectionState());
            ObjectNode session = JSON.createObjectNode();
            session.put("id", "sess_" + c.id());
            session.put("object", "realtime.session");
            session.put("type", "realtime");
            ObjectNode e = event("session.created");
            e.set("session", session);
            send(c, e);
        }

        @Override
        public void onText(WebSocketServer.Connection c, String text) {
            awaitDrained(c.id());
            ConnectionState st = states.get(c.id());
            JsonNode node;
            try {
                node = JSON.readTree(text);
            } catch (JsonProcessingException ex) {
                send(c, error("invalid_request_error", "invalid_json", "not JSON: " + ex.getOriginalMessage(), null));
                return;
            }
            if (node == null || !node.isObject() || !node.path("type").isTextual()) {
                send(c, error("invalid_request_error", "invalid_event", "a client event is a JSON object with a"
                        + " string \"type\"", null));
                return;
            }
            String type = node.get("type").asText();
            String clientId = node.path("event_id").isTextual() ? node.get("event_id").asText() : null;
            st.events++;
            options.onReceived().accept(new Received(c.id(), clientId, type));
            boolean dropRequested = respond(c, st, type, clientId, (ObjectNode) node);
            Drop d = dropRequested ? Drop.GRACEFUL : options.dropPolicy().afterEvent(c.id(), st.events);
            drop(c, d);
        }

        @Override
        public void onClose(WebSocketServer.Connection c, int code, String reason) {
            states.remove(c.id());
            synchronized (draining) {
                if (draining.remove(c.id())) {
                    draining.notifyAll();
                }
            }
        }
    }

    /**
     * Blocks a connection's reader (a virtual thread) until every older connection this server closed gracefully has
     * finished its closing handshake, so that events still arriving on an old connection are handled before any on
     * the new one: one client reconnecting sees its events handled in the order it sent them. Bounded by
     * {@link #DRAIN_WAIT}.
     */
    private void awaitDrained(long connection) {
        synchronized (draining) {
            if (!olderDraining(connection)) {
                return;
            }
            long deadline = scheduler.nanoTime() + DRAIN_WAIT.toNanos();
            waiting++;
            try {
                while (olderDraining(connection)) {
                    long left = deadline - scheduler.nanoTime();
                    if (left <= 0) {
                        System.getLogger(RealtimeServer.class.getName()).log(System.Logger.Level.WARNING,
                                "connection " + connection + ": connections " + draining + " still closing after "
                                        + DRAIN_WAIT + "; serving it anyway");
                        return;
                    }
                    try {
                        draining.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            } finally {
                waiting--;
            }
        }
    }

    /** Caller holds {@code draining}: whether a connection older than {@code connection} is finishing its close. */
    private boolean olderDraining(long connection) {
        for (long id : draining) {
            if (id < connection) {
                return true;
            }
        }
        return false;
    }

    /** Connections whose events are held right now until older connections this server closed have finished. */
    public int waitingConnections() {
        synchronized (draining) {
            return waiting;
        }
    }

    /** Answers one client event; returns whether the client asked for a drop ({@code /drop}). */
    private boolean respond(WebSocketServer.Connection c, ConnectionState st, String type, String clientId,
                            ObjectNode node) {
        boolean beta = options.betaNames();
        switch (type) {
            case "session.update" -> {
                ObjectNode e = event("session.updated");
                e.set("session", node.path("session").isObject() ? node.get("session") : JSON.createObjectNode());
                send(c, e);
            }
            case "input_audio_buffer.append" -> {
                try {
                    st.audioBytes += Base64.getDecoder().decode(node.path("audio").asText("")).length;
                } catch (IllegalArgumentException ex) {
                    send(c, error("invalid_request_error", "invalid_audio", "\"audio\" is not base64", clientId));
                }
            }
            case "input_audio_buffer.commit" -> {
                if (st.audioBytes == 0) {
                    send(c, error("invalid_request_error", "input_audio_buffer_commit_empty",
                            "buffer too small: 0 bytes of audio", clientId));
                } else {
                    String itemId = "item_" + itemIds.incrementAndGet();
                    ObjectNode committed = event("input_audio_buffer.committed");
                    committed.put("item_id", itemId);
                    send(c, committed);
                    ObjectNode item = JSON.createObjectNode();
                    item.put("id", itemId);
                    item.put("type", "message");
                    item.put("role", "user");
                    ObjectNode added = event(beta ? "conversation.item.created" : "conversation.item.added");
                    added.set("item", item);
                    send(c, added);
                    st.lastUserText = "(" + st.audioBytes + " bytes of audio)";
                    st.audioBytes = 0;
                }
            }
            case "input_audio_buffer.clear" -> {
                st.audioBytes = 0;
                send(c, event("input_audio_buffer.cleared"));
            }
            case "conversation.item.create" -> {
                ObjectNode item = node.path("item").isObject() ? (ObjectNode) node.get("item").deepCopy()
                        : JSON.createObjectNode();
                item.put("id", "item_" + itemIds.incrementAndGet());
                String text = item.path("content").path(0).path("text").asText("");
                if (!text.isEmpty()) {
                    st.lastUserText = text;
                }
                ObjectNode added = event(beta ? "conversation.item.created" : "conversation.item.added");
                added.set("item", item);
                send(c, added);
                return text.equals("/drop");
            }
            case "conversation.item.truncate" -> {
                ObjectNode e = event("conversation.item.truncated");
                e.put("item_id", node.path("item_id").asText(""));
                send(c, e);
            }
            case "conversation.item.delete" -> {
                ObjectNode e = event("conversation.item.deleted");
                e.put("item_id", node.path("item_id").asText(""));
                send(c, e);
            }
            case "response.create" -> respondWithEcho(c, st, beta);
            case "response.cancel" -> send(c, error("invalid_request_error", "response_cancel_not_active",
                    "no active response to cancel", clientId));
            default -> send(c, error("invalid_request_error", "unknown_event_type",
                    "unknown client event type '" + (type.length() > 64 ? type.substring(0, 64) + "..." : type) + "'",
                    clientId));
        }
        return false;
    }

    private void respondWithEcho(WebSocketServer.Connection c, ConnectionState st, boolean beta) {
        String responseId = "resp_" + itemIds.incrementAndGet();
        String itemId = "item_" + itemIds.incrementAndGet();
        ObjectNode response = JSON.createObjectNode();
        response.put("id", responseId);
        response.put("status", "in_progress");
        ObjectNode created = event("response.created");
        created.set("response", response.deepCopy());
        send(c, created);
        ObjectNode audio = event(beta ? "response.audio.delta" : "response.output_audio.delta");
        audio.put("response_id", responseId);
        audio.put("item_id", itemId);
        audio.put("delta", Base64.getEncoder().encodeToString(new byte[480]));
        send(c, audio);
        String transcript = "You said: " + st.lastUserText;
        String deltaType = beta ? "response.audio_transcript.delta" : "response.output_audio_transcript.delta";
        for (String word : transcript.split("(?<= )")) {
            ObjectNode d = event(deltaType);
            d.put("response_id", responseId);
            d.put("item_id", itemId);
            d.put("delta", word);
            send(c, d);
        }
        ObjectNode audioDone = event(beta ? "response.audio.done" : "response.output_audio.done");
        audioDone.put("response_id", responseId);
        audioDone.put("item_id", itemId);
        send(c, audioDone);
        ObjectNode done = event(beta ? "response.audio_transcript.done" : "response.output_audio_transcript.done");
        done.put("response_id", responseId);
        done.put("item_id", itemId);
        done.put("transcript", transcript);
        send(c, done);
        response.put("status", "completed");
        ObjectNode responseDone = event("response.done");
        responseDone.set("response", response);
        send(c, responseDone);
    }

    private ObjectNode event(String type) {
        ObjectNode e = JSON.createObjectNode();
        e.put("type", type);
        e.put("event_id", "event_" + eventIds.incrementAndGet());
        return e;
    }

    private ObjectNode error(String errorType, String code, String message, String clientEventId) {
        ObjectNode e = event("error");
        ObjectNode err = e.putObject("error");
        err.put("type", errorType);
        err.put("code", code);
        err.put("message", message);
        if (clientEventId != null) {
            err.put("event_id", clientEventId);
        }
        return e;
    }

    private static void send(WebSocketServer.Connection c, ObjectNode event) {
        c.sendText(event.toString());
    }
}
