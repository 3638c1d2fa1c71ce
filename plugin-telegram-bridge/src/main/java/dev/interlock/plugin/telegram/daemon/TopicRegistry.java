package dev.interlock.plugin.telegram.daemon;

import dev.interlock.api.guard.SingleFlight;
import dev.interlock.plugin.telegram.store.BridgeStore;

import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Exactly one forum topic per session (seed 004, RC#1).
 *
 * <p>{@link #ensure} answers from a cache or the store when the session has a topic; otherwise it goes through a
 * {@link SingleFlight} keyed by session id, so concurrent first events of a session (on any number of socket
 * connections, and the pacer) share one creation. Inside the single flight the store is checked again (a creation
 * that just finished is seen), the intent is written to the topics ledger (state CREATING), the topic is created
 * through the chat's pacer, and the result is committed to the store (ledger ACTIVE, session's thread id)
 * <em>before</em> any caller learns the thread id. A later call, or a restarted daemon, therefore finds it in the
 * store. The one remaining window: a crash while createForumTopic is in flight, or an answer lost after Telegram
 * created the topic, can leave one topic that nobody writes to; it stays empty, and empty topics are invisible in
 * Telegram clients (the ledger entry becomes ABANDONED on the next start).
 */
final class TopicRegistry {

    private final BridgeStore store;
    private final long chatId;
    private final SingleFlight<String, Long> flight;
    private final Function<String, CompletionStage<Long>> create;
    private final System.Logger log;
    private final Map<String, Long> cache = new ConcurrentHashMap<>();

    /**
     * @param create creates a topic with the given name through the chat's pacer and returns its thread id
     */
    TopicRegistry(BridgeStore store, long chatId, SingleFlight<String, Long> flight,
                  Function<String, CompletionStage<Long>> create, System.Logger log) {
        this.store = store;
        this.chatId = chatId;
        this.flight = flight;
        this.create = create;
        this.log = log;
    }

    /** The session's topic if known, without waiting. */
    OptionalLong known(String sessionId) {
        Long t = cache.get(sessionId);
        if (t != null) {
            return OptionalLong.of(t);
        }
        OptionalLong stored = store.threadFor(sessionId);
        stored.ifPresent(v -> cache.put(sessionId, v));
        return stored;
    }

    /** The session's topic, created if it has none; see the class documentation. */
    CompletionStage<Long> ensure(String sessionId) {
        OptionalLong t = known(sessionId);
        if (t.isPresent()) {
            return CompletableFuture.completedFuture(t.getAsLong());
        }
        return flight.execute(sessionId, () -> createOnce(sessionId));
    }

    private CompletionStage<Long> createOnce(String sessionId) {
        OptionalLong again = store.threadFor(sessionId);
        if (again.isPresent()) {
            cache.put(sessionId, again.getAsLong());
            return CompletableFuture.completedFuture(again.getAsLong());
        }
        String project = store.sessionOrigin(sessionId).map(o -> o[1]).orElse(null);
        String name = Renderer.topicName(sessionId, project);
        long ledger = store.beginTopic(sessionId, chatId, name);
        return create.apply(name).handle((thread, failure) -> {
            if (failure != null) {
                store.failTopic(ledger, String.valueOf(failure.getMessage()));
                throw failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
            }
            store.completeTopic(ledger, sessionId, thread);
            cache.put(sessionId, thread);
            log.log(Level.DEBUG, () -> "session " + sessionId + " -> topic " + thread);
            return thread;
        });
    }

    /** Telegram says the topic is gone: forget it, so that the next {@link #ensure} creates a new one. */
    void deleted(String sessionId, long threadId) {
        store.markTopicDeleted(sessionId, threadId);
        cache.remove(sessionId, threadId);
        flight.forget(sessionId);
    }
}
