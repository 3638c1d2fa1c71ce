package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.telegram.botapi.Telegram;
import dev.interlock.plugin.telegram.store.BridgeStore;
import dev.interlock.plugin.telegram.store.Decision;

import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tool approvals: inline buttons (allow / deny / allow for this session), resolved exactly once.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Exactly once.</b> The decision is a compare-and-set in the store ({@link BridgeStore#resolveApproval}):
 *       the first tap, or the expiry, wins; a second tap is answered "already decided" and changes nothing.
 *   <li><b>No lost wake-up.</b> The waiter is registered before the request is persisted and posted, and it is
 *       completed by whoever wins the resolution; the expiry timer (on the injected scheduler) guarantees it
 *       completes within the approval timeout, with {@link Decision#EXPIRED} (the agent then asks in its terminal).
 *   <li><b>Feedback.</b> A tap is acknowledged with answerCallbackQuery, and the message is edited (through the
 *       chat's pacer) to show the decision, who made it and when.
 * </ul>
 */
final class Approvals {

    private static final String PREFIX = "ap:";

    private final BridgeStore store;
    private final Telegram telegram;
    private final ChatPacer pacer;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final System.Logger log;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, CompletableFuture<Decision>> waiting = new ConcurrentHashMap<>();
    private volatile boolean closed;

    Approvals(BridgeStore store, Telegram telegram, ChatPacer pacer, Scheduler scheduler, Duration timeout,
              System.Logger log) {
        this.store = store;
        this.telegram = telegram;
        this.pacer = pacer;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.log = log;
    }

    /** A fresh approval id: 16 hex digits, so callback data stays far below 64 bytes. */
    String newId() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * Registers the waiter for {@code approvalId} (call before persisting the request) and starts its expiry.
     * The stage always completes, at the latest after the approval timeout.
     */
    CompletionStage<Decision> register(String approvalId) {
        CompletableFuture<Decision> f = new CompletableFuture<>();
        waiting.put(approvalId, f);
        scheduler.schedule(() -> {
            if (!closed) {
                resolve(approvalId, Decision.EXPIRED, "timeout");
            }
        }, timeout);
        return f;
    }

    /** The daemon is stopping: every waiting hook gets {@link Decision#EXPIRED} ("ask") now. */
    void releaseWaiters() {
        closed = true;
        waiting.values().forEach(f -> f.complete(Decision.EXPIRED));
        waiting.clear();
    }

    /** Forgets a waiter whose request could not be persisted. */
    void unregister(String approvalId) {
        waiting.remove(approvalId);
    }

    /** Expires approvals left pending by an earlier daemon (their hooks are gone). */
    void expireLeftovers() {
        for (String id : store.pendingApprovals()) {
            resolve(id, Decision.EXPIRED, "daemon restart");
        }
    }

    static List<List<Telegram.Button>> keyboard(String approvalId) {
        return List.of(
                List.of(new Telegram.Button("✅ Allow", PREFIX + approvalId + ":" + Decision.ALLOW.code()),
                        new Telegram.Button("❌ Deny", PREFIX + approvalId + ":" + Decision.DENY.code())),
                List.of(new Telegram.Button("✅ Allow for this session",
                        PREFIX + approvalId + ":" + Decision.ALLOW_SESSION.code())));
    }

    /** The approval message was posted: remember where, and show the decision if it came first. */
    void posted(ChatPacer.SentApproval sent) {
        store.setApprovalMessage(sent.approvalId(), sent.threadId(), sent.messageId());
        store.approval(sent.approvalId()).filter(a -> !a.pending()).ifPresent(a -> showDecision(sent.approvalId()));
    }

    /** Handles a callback_query update (a button tap). */
    void onCallback(JsonNode query) {
        String queryId = query.path("id").asText();
        String data = query.path("data").asText("");
        JsonNode from = query.path("from");
        String who = from.hasNonNull("username") ? "@" + from.path("username").asText()
                : from.path("first_name").asText("user") + " (" + from.path("id").asLong() + ")";
        Optional<String[]> parsed = parse(data);
        String answer;
        if (parsed.isEmpty()) {
            answer = "This button is not from the bridge.";
        } else {
            String id = parsed.get()[0];
            Decision decision = Decision.fromCode(parsed.get()[1]).orElseThrow();
            if (resolve(id, decision, who)) {
                answer = switch (decision) {
                    case ALLOW -> "Allowed";
                    case DENY -> "Denied";
                    case ALLOW_SESSION -> "Allowed for this session";
                    case EXPIRED -> "Expired";
                };
            } else {
                answer = store.approval(id).map(a -> "Already decided: " + Decision.valueOf(a.state()).label()
                        + " by " + a.decidedBy()).orElse("Unknown approval");
            }
        }
        telegram.answerCallbackQuery(queryId, answer).whenComplete((ok, failure) -> {
            if (failure != null) {
                log.log(Level.WARNING, "answerCallbackQuery failed: " + failure.getMessage());
            }
        });
    }

    private static Optional<String[]> parse(String data) {
        if (!data.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = data.substring(PREFIX.length()).split(":", -1);
        if (parts.length != 2 || parts[0].isEmpty() || Decision.fromCode(parts[1]).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parts);
    }

    /** Resolves once; returns whether this call decided. */
    boolean resolve(String approvalId, Decision decision, String who) {
        Instant at = scheduler.clock().instant().truncatedTo(ChronoUnit.SECONDS);
        if (!store.resolveApproval(approvalId, decision, who, at)) {
            return false;
        }
        log.log(Level.INFO, "approval " + approvalId + ": " + decision.label() + " by " + who);
        CompletableFuture<Decision> waiter = waiting.remove(approvalId);
        if (waiter != null) {
            waiter.complete(decision);
        }
        showDecision(approvalId);
        return true;
    }

    private void showDecision(String approvalId) {
        store.approval(approvalId).filter(a -> a.messageId() != null).ifPresent(a -> {
            String verdict = switch (Decision.valueOf(a.state())) {
                case ALLOW -> "✅ Allowed";
                case DENY -> "❌ Denied";
                case ALLOW_SESSION -> "✅ Allowed for this session";
                case EXPIRED -> "⌛ No answer in time: asked in the terminal";
            };
            String line = verdict + " by " + a.decidedBy() + " at " + a.decidedAt();
            String request = store.approvalText(approvalId).orElse("🔐 Approval: " + a.tool());
            String text = request + "\n\n" + line;
            if (text.length() > Telegram.MAX_MESSAGE_LENGTH) {
                text = "🔐 Approval: " + a.tool() + "\n\n" + line;
            }
            pacer.edit(a.messageId(), text).whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.log(Level.WARNING, "could not show the decision on approval " + approvalId + ": "
                            + failure.getMessage());
                }
            });
        });
    }
}
