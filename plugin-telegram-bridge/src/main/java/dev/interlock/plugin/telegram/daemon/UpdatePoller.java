package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.telegram.botapi.BotApiException;
import dev.interlock.plugin.telegram.botapi.Telegram;
import dev.interlock.plugin.telegram.store.BridgeStore;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The single getUpdates long-polling loop of the bot. An update is confirmed (by the next call's {@code offset})
 * only after it was handled; the offset is also persisted, so a restarted daemon does not replay handled
 * updates (and replaying one would be harmless: approvals resolve once). A handler that throws is logged and the
 * update counts as handled, so one bad update cannot stall the loop. Failures are retried with backoff on the
 * injected scheduler; 409 Conflict (another poller on this token) is logged as such.
 */
final class UpdatePoller {

    private static final String OFFSET_KEY = "updates.offset";

    private final Telegram telegram;
    private final BridgeStore store;
    private final Scheduler scheduler;
    private final Duration longPoll;
    private final Duration backoffBase;
    private final Duration backoffMax;
    private final Consumer<JsonNode> onCallbackQuery;
    private final System.Logger log;
    private final Object monitor = new Object();
    private long offset;
    private int failures;
    private boolean closed;
    private CompletionStage<JsonNode> inFlight = CompletableFuture.completedFuture(null);

    UpdatePoller(Telegram telegram, BridgeStore store, Scheduler scheduler, Duration longPoll, Duration backoffBase,
                 Duration backoffMax, Consumer<JsonNode> onCallbackQuery, System.Logger log) {
        this.telegram = telegram;
        this.store = store;
        this.scheduler = scheduler;
        this.longPoll = longPoll;
        this.backoffBase = backoffBase;
        this.backoffMax = backoffMax;
        this.onCallbackQuery = onCallbackQuery;
        this.log = log;
    }

    void start() {
        offset = store.value(OFFSET_KEY).map(Long::parseLong).orElse(0L);
        scheduler.execute(this::poll);
    }

    void close() {
        CompletionStage<JsonNode> f;
        synchronized (monitor) {
            closed = true;
            f = inFlight;
        }
        f.toCompletableFuture().cancel(true);
    }

    private void poll() {
        CompletionStage<JsonNode> call;
        synchronized (monitor) {
            if (closed) {
                return;
            }
            call = telegram.getUpdates(offset, longPoll, List.of("callback_query"));
            inFlight = call;
        }
        call.whenComplete((updates, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                synchronized (monitor) {
                    if (closed) {
                        return;
                    }
                    failures++;
                }
                long delay = Math.min(backoffMax.toNanos(), backoffBase.toNanos() << Math.min(20, failures - 1));
                if (cause instanceof BotApiException b && b.kind() == BotApiException.Kind.CONFLICT) {
                    log.log(Level.WARNING, "getUpdates: another poller uses this bot token (409 Conflict);"
                            + " only one daemon per bot can receive button taps");
                } else {
                    log.log(Level.WARNING, "getUpdates failed: " + cause.getMessage());
                }
                if (cause instanceof BotApiException b && b.retryAfter().isPresent()) {
                    delay = Math.max(delay, b.retryAfter().get().toNanos());
                }
                scheduler.schedule(this::poll, Duration.ofNanos(delay));
                return;
            }
            synchronized (monitor) {
                failures = 0;
            }
            long next = offset;
            for (JsonNode update : updates) {
                try {
                    JsonNode query = update.get("callback_query");
                    if (query != null) {
                        onCallbackQuery.accept(query);
                    }
                } catch (RuntimeException e) {
                    log.log(Level.ERROR, "handling update " + update.path("update_id").asLong() + " failed", e);
                }
                next = Math.max(next, update.path("update_id").asLong() + 1);
            }
            if (next != offset) {
                offset = next;
                store.putValue(OFFSET_KEY, Long.toString(next));
            }
            scheduler.execute(this::poll);
        });
    }
}
