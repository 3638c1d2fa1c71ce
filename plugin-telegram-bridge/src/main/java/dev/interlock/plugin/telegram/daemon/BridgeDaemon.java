package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.telegram.botapi.BotApi;
import dev.interlock.plugin.telegram.botapi.HttpBotApi;
import dev.interlock.plugin.telegram.botapi.Telegram;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import dev.interlock.plugin.telegram.store.BridgeStore;
import dev.interlock.plugin.telegram.store.Decision;
import dev.interlock.plugin.telegram.store.NewRow;
import dev.interlock.plugin.telegram.store.StoreException;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge daemon: socket in, Telegram out.
 *
 * <p>A valid line is <em>accepted</em> when its rows are committed to the outbox (group commit: {@link GroupCommit});
 * only then is it acknowledged ({@code {"ok":true,"id":N}}). Per session, the daemon's order of acceptance is the order
 * of delivery (see {@link ChatPacer}). Each accepted message also asks for the session's topic
 * ({@link TopicRegistry#ensure}), so concurrent first events of a new session race into the single flight, as in
 * the seed. An {@code approval_request} is answered only when decided (or expired):
 * {@code {"ok":true,"id":N,"decision":"allow|deny|ask","by":...}}. A rejected line is answered
 * {@code {"ok":false,"error":"..."}} and logged with its reason; the connection carries on.
 */
public final class BridgeDaemon implements AutoCloseable {

    private final BridgeConfig config;
    private final Scheduler scheduler;
    private final ConcurrencyGuard guard;
    private final BotApi api;
    /** The HTTP client this daemon made (and closes), or null when the caller passed its own Bot API. */
    private final HttpBotApi ownApi;
    private final System.Logger log;
    private final AtomicLong rejected = new AtomicLong();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();

    private BridgeStore store;
    private GroupCommit commits;
    private ChatPacer pacer;
    private TopicRegistry topics;
    private Approvals approvals;
    private UpdatePoller poller;
    private SocketServer server;

    /**
     * @param api the Bot API; {@code null} for the real HTTP client from the configuration
     */
    public BridgeDaemon(BridgeConfig config, Scheduler scheduler, ConcurrencyGuard guard, BotApi api,
                        System.Logger log) {
        this.config = config;
        this.scheduler = scheduler;
        this.guard = guard;
        this.ownApi = api != null ? null
                : new HttpBotApi(config.apiBaseUrl(), config.token().reveal(), scheduler, Duration.ofSeconds(10));
        this.api = api != null ? api : ownApi;
        this.log = log;
    }

    /** Opens the store, recovers, starts delivery, polling and the socket. */
    public synchronized BridgeDaemon start() throws IOException {
        startCore();
        try {
            server = new SocketServer(config.socket(), config.maxLineBytes(), config.maxConnections(), scheduler,
                    new SocketServer.Handler() {
                        @Override
                        public String onLine(long connection, byte[] line) {
                            return handle(connection, line);
                        }

                        @Override
                        public String onOverlong(long connection, long length) {
                            return reject(connection, "line of " + length + " bytes exceeds the limit of "
                                    + config.maxLineBytes() + " bytes (max-line-bytes); it was discarded");
                        }
                    }, log);
            server.start();
        } catch (IOException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
        log.log(Level.INFO, "telegram-bridge daemon listening on " + config.socket() + ", chat " + config.chatId()
                + ", store " + config.database());
        return this;
    }

    /**
     * Everything but the socket: store, recovery, delivery, polling. Package-private so that tests can drive the
     * daemon on a deterministic scheduler through {@link #handle(long, byte[])}.
     */
    synchronized BridgeDaemon startCore() {
        store = BridgeStore.open(config.database(), scheduler.clock(), config.durableAgainstPowerLoss());
        commits = new GroupCommit(store);
        try {
            Telegram telegram = new Telegram(api, config.callTimeout());
            pacer = new ChatPacer(config.chatId(), telegram, store, scheduler, new GlobalBudget(config.globalPerSecond()),
                    config, log);
            topics = new TopicRegistry(store, config.chatId(), guard.newSingleFlight("telegram-topic"),
                    pacer::createTopic, log);
            approvals = new Approvals(store, telegram, pacer, scheduler, config.approvalTimeout(), log);
            pacer.bind(topics, approvals::posted);
            for (String session : store.abandonInterruptedTopicCreations()) {
                log.log(Level.WARNING, "topic creation for session " + session + " was interrupted by a crash;"
                        + " Telegram may hold one empty (invisible) topic for it; a new topic is made on demand");
            }
            approvals.expireLeftovers();
            List<String> backlog = store.sessionsWithPending(config.chatId());
            if (!backlog.isEmpty()) {
                log.log(Level.INFO, "resuming delivery for " + backlog.size() + " sessions with undelivered messages");
            }
            backlog.forEach(pacer::sessionHasWork);
            poller = new UpdatePoller(telegram, store, scheduler, config.longPoll(), config.backoffBase(),
                    config.backoffMax(), approvals::onCallback, log);
            poller.start();
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
        return this;
    }

    /** The socket the daemon listens on. */
    public Path socket() {
        return config.socket();
    }

    /** The store (for inspection by tests and tools). */
    public BridgeStore store() {
        return store;
    }

    /** Lines rejected so far. */
    public long rejectedLines() {
        return rejected.get();
    }

    /** Completes when {@link #close()} has finished. */
    public CompletionStage<Void> terminated() {
        return terminated;
    }

    /** Handles one socket line and returns the answer line. */
    String handle(long connection, byte[] line) {
        BridgeMessage m;
        try {
            m = BridgeMessage.parse(line);
        } catch (BadInputException e) {
            return reject(connection, e.getMessage());
        }
        try {
            return accept(m);
        } catch (StoreException e) {
            log.log(Level.ERROR, "could not persist a '" + m.type() + "' message of session " + m.sessionId(), e);
            return error("not accepted: the store failed (" + e.getMessage() + "); retry");
        }
    }

    private String reject(long connection, String reason) {
        rejected.incrementAndGet();
        log.log(Level.WARNING, "connection " + connection + ": rejected a line: " + reason);
        return error(reason);
    }

    private static String error(String reason) {
        return BotApi.JSON.createObjectNode().put("ok", false).put("error", reason).toString();
    }

    /** Persists a message and answers; for approval requests, waits for the decision. */
    String accept(BridgeMessage m) {
        String host = text(m.metadata(), "host");
        String project = text(m.metadata(), "projectDir");
        if (project == null) {
            project = text(m.metadata(), "cwd");
        }
        List<NewRow> header = List.of(Renderer.header(m.sessionId(), host, project));
        ObjectNode answer = BotApi.JSON.createObjectNode().put("ok", true);
        if (!m.type().equals("approval_request")) {
            BridgeStore.Accepted a = commits.accept(new BridgeStore.AcceptRequest(config.chatId(), m.sessionId(),
                    host, project, header, Renderer.render(m), null, null, null));
            delivered(m.sessionId());
            return answer.put("id", a.lastId()).toString();
        }
        String tool = m.metadata().path("tool").asText("tool");
        if (store.autoAllowed(m.sessionId())) {
            BridgeStore.Accepted a = commits.accept(new BridgeStore.AcceptRequest(config.chatId(), m.sessionId(),
                    host, project, header, Renderer.autoAllowed(m), null, null, null));
            delivered(m.sessionId());
            return answer.put("id", a.lastId()).put("decision", Decision.ALLOW_SESSION.permission())
                    .put("by", "allowed for this session").toString();
        }
        String id = approvals.newId();
        List<NewRow> rows = Renderer.approval(m, id);
        CompletionStage<Decision> decision = approvals.register(id);
        BridgeStore.Accepted a;
        try {
            a = commits.accept(new BridgeStore.AcceptRequest(config.chatId(), m.sessionId(), host, project, header,
                    rows, id, tool, rows.getLast().plain()));
        } catch (RuntimeException e) {
            approvals.unregister(id);
            throw e;
        }
        delivered(m.sessionId());
        Decision d;
        try {
            d = decision.toCompletableFuture().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            d = Decision.EXPIRED;
        } catch (ExecutionException | CompletionException e) {
            d = Decision.EXPIRED;
        }
        String by = store.approval(id).map(BridgeStore.ApprovalRecord::decidedBy).orElse("");
        return answer.put("id", a.lastId()).put("approvalId", id).put("decision", d.permission())
                .put("by", by).toString();
    }

    private void delivered(String sessionId) {
        pacer.sessionHasWork(sessionId);
        if (topics.known(sessionId).isEmpty()) {
            topics.ensure(sessionId).whenComplete((t, f) -> pacer.sessionHasWork(sessionId));
        }
    }

    private static String text(ObjectNode metadata, String key) {
        return metadata.hasNonNull(key) && metadata.get(key).isTextual() && !metadata.get(key).asText().isBlank()
                ? metadata.get(key).asText() : null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
        terminated.complete(null);
    }

    private void closeQuietly() {
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                log.log(Level.WARNING, "closing the socket: " + e);
            }
        }
        if (approvals != null) {
            approvals.releaseWaiters();
        }
        if (poller != null) {
            poller.close();
        }
        if (pacer != null) {
            pacer.close();
        }
        if (ownApi != null) {
            // ends the calls in flight (a long poll, at most one send) and the client's selector thread
            ownApi.close();
        }
        if (store != null) {
            store.close();
        }
    }
}
