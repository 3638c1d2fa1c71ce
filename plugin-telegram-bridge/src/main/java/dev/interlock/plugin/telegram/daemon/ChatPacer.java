package dev.interlock.plugin.telegram.daemon;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.telegram.botapi.BotApiException;
import dev.interlock.plugin.telegram.botapi.Telegram;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import dev.interlock.plugin.telegram.store.BridgeStore;
import dev.interlock.plugin.telegram.store.OutboxEntry;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one pacing loop of a chat: the only code that sends to the chat, and the only place that waits on
 * {@code retry_after} or backoff.
 *
 * <h2>Design</h2>
 * The loop takes one step at a time and never has more than one Telegram call in flight for its chat. A step is
 * either a <em>job</em> (create or reopen a topic, edit a message; jobs go first) or the next <em>session</em> in
 * round-robin order with undelivered outbox rows. Before each step it waits, on the injected {@link Scheduler},
 * until the chat's budget (at most {@code perChatPerMinute} in any minute, at least {@code perChatInterval}
 * apart), the bot-wide {@link GlobalBudget} and any pause ({@code retry_after}, backoff) allow one more call.
 * The loop's lock guards only its in-memory queues; it is released before every Telegram call and every store call,
 * so nothing is held across a call (lesson from the reference project).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Order.</b> Per session, rows are sent in outbox order (the order of acceptance): the session's next send
 *       starts only after the previous one was recorded delivered.
 *   <li><b>Nothing dropped for load.</b> When a session has several undelivered rows, they are packed into one
 *       message of at most 4096 UTF-16 units (approval rows always go alone, with their buttons). 429, 5xx and
 *       network errors are retried without limit ({@code retry_after}; exponential backoff from
 *       {@code backoffBase} to {@code backoffMax}). Only a permanent refusal by Telegram (a 4xx other than those
 *       below) marks rows failed, with the reason logged.
 *   <li><b>Recovery.</b> "message thread not found": the topic is forgotten and recreated, and the undelivered rows
 *       go to the new topic. TOPIC_CLOSED: the topic is reopened, then the rows are re-sent. "can't parse entities":
 *       the same rows are re-sent as plain text.
 *   <li><b>Duplicates.</b> A row is marked delivered after Telegram's answer. If the process dies (or the answer is
 *       lost) between Telegram applying a sendMessage and the store recording it, that one message is sent again:
 *       at most one duplicate message per chat per crash or lost answer, since one call at a time is in flight.
 * </ul>
 */
final class ChatPacer {

    /**
     * The per-chat window: a minute plus one second of slack, because Telegram counts a call when it arrives and
     * network latency varies between calls (a pacer that counts exactly 60 s gets occasional 429s).
     */
    private static final long MINUTE = TimeUnit.SECONDS.toNanos(61);
    /** Rows read from the store per step (an upper bound for packing). */
    private static final int BATCH_ROWS = 64;

    /** A non-message call on behalf of the chat: create or reopen a topic, edit a message. */
    private record Job(String what, Supplier<CompletionStage<Object>> call, CompletableFuture<Object> result) {
    }

    private final long chatId;
    private final Telegram telegram;
    private final BridgeStore store;
    private final Scheduler scheduler;
    private final GlobalBudget global;
    private final System.Logger log;
    private final int perMinute;
    private final long intervalNanos;
    private final long backoffBase;
    private final long backoffMax;
    private TopicRegistry topics;
    private Consumer<SentApproval> approvalSent = a -> { };

    private final ReentrantLock lock = new ReentrantLock();
    // guarded by lock
    private final Deque<Job> jobs = new ArrayDeque<>();
    private final Deque<String> ready = new ArrayDeque<>();
    private final Set<String> scheduled = new HashSet<>();
    private final Set<String> awaitingTopic = new HashSet<>();
    private final Map<String, Long> plainFrom = new HashMap<>();
    private final Deque<Long> window = new ArrayDeque<>();
    private long lastSend = Long.MIN_VALUE;
    private long pausedUntil = Long.MIN_VALUE;
    private int failures;
    private boolean running;
    private boolean closed;

    /** An approval message that reached Telegram. */
    record SentApproval(String approvalId, long threadId, long messageId) {
    }

    ChatPacer(long chatId, Telegram telegram, BridgeStore store, Scheduler scheduler, GlobalBudget global,
              BridgeConfig config, System.Logger log) {
        this.chatId = chatId;
        this.telegram = telegram;
        this.store = store;
        this.scheduler = scheduler;
        this.global = global;
        this.log = log;
        this.perMinute = config.perChatPerMinute();
        this.intervalNanos = config.perChatInterval().toNanos();
        this.backoffBase = Math.max(1, config.backoffBase().toNanos());
        this.backoffMax = Math.max(backoffBase, config.backoffMax().toNanos());
    }

    void bind(TopicRegistry topics, Consumer<SentApproval> approvalSent) {
        this.topics = topics;
        this.approvalSent = approvalSent;
    }

    long chatId() {
        return chatId;
    }

    /** The session has undelivered rows (or may have): make sure it is in the round-robin. Thread-safe. */
    void sessionHasWork(String sessionId) {
        lock.lock();
        try {
            if (closed || awaitingTopic.contains(sessionId) || !scheduled.add(sessionId)) {
                return;
            }
            ready.addLast(sessionId);
            kickLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Creates a topic through this loop; the stage completes with the thread id. */
    CompletionStage<Long> createTopic(String name) {
        return submit("createForumTopic '" + name + "'", () -> telegram.createForumTopic(chatId, name))
                .thenApply(o -> (Long) o);
    }

    /** Edits a message through this loop; "message is not modified" counts as success. */
    CompletionStage<Void> edit(long messageId, String text) {
        return submit("editMessageText " + messageId, () -> telegram.editMessageText(chatId, messageId, text, null)
                .exceptionally(e -> {
                    if (unwrap(e) instanceof BotApiException b && b.kind() == BotApiException.Kind.NOT_MODIFIED) {
                        return null;
                    }
                    throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                })).thenApply(o -> null);
    }

    @SuppressWarnings("unchecked")
    private CompletionStage<Object> submit(String what, Supplier<? extends CompletionStage<?>> call) {
        CompletableFuture<Object> result = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                result.completeExceptionally(new IllegalStateException("the pacer of chat " + chatId + " is closed"));
                return result;
            }
            jobs.addLast(new Job(what, () -> (CompletionStage<Object>) call.get(), result));
            kickLocked();
        } finally {
            lock.unlock();
        }
        return result;
    }

    /** Stops the loop after the call in flight; queued jobs fail. */
    void close() {
        List<Job> failed;
        lock.lock();
        try {
            closed = true;
            failed = new ArrayList<>(jobs);
            jobs.clear();
        } finally {
            lock.unlock();
        }
        failed.forEach(j -> j.result.completeExceptionally(new IllegalStateException("daemon stopping")));
    }

    private void kickLocked() {
        if (!running) {
            running = true;
            scheduler.execute(this::step);
        }
    }

    private void step() {
        Job job = null;
        String session = null;
        lock.lock();
        try {
            if (closed) {
                running = false;
                return;
            }
            long now = scheduler.nanoTime();
            long wait = waitNanosLocked(now);
            if (wait > 0 && (!jobs.isEmpty() || !ready.isEmpty())) {
                scheduler.schedule(this::step, Duration.ofNanos(wait));
                return;
            }
            if (!jobs.isEmpty()) {
                job = jobs.peekFirst();
            } else if (!ready.isEmpty()) {
                session = ready.pollFirst();
            } else {
                running = false;
                return;
            }
        } finally {
            lock.unlock();
        }
        if (job != null) {
            runJob(job);
        } else {
            runSession(session);
        }
    }

    private long waitNanosLocked(long now) {
        while (!window.isEmpty() && now - window.peekFirst() >= MINUTE) {
            window.removeFirst();
        }
        long wait = 0;
        if (pausedUntil != Long.MIN_VALUE) {
            wait = Math.max(wait, pausedUntil - now);
        }
        if (lastSend != Long.MIN_VALUE) {
            wait = Math.max(wait, lastSend + intervalNanos - now);
        }
        if (window.size() >= perMinute) {
            wait = Math.max(wait, window.peekFirst() + MINUTE - now);
        }
        return Math.max(wait, global.waitNanos(now));
    }

    /** Spends one unit of budget; called right before a Telegram call. */
    private void consume() {
        lock.lock();
        try {
            long now = scheduler.nanoTime();
            window.addLast(now);
            lastSend = now;
            global.consume(now);
        } finally {
            lock.unlock();
        }
    }

    /** Continues the loop on a fresh task (never recursively on a completion's stack). */
    private void next() {
        scheduler.execute(this::step);
    }

    private void runJob(Job job) {
        consume();
        CompletionStage<Object> call;
        try {
            call = job.call.get();
        } catch (RuntimeException e) {
            call = CompletableFuture.failedFuture(e);
        }
        call.whenComplete((value, failure) -> {
            if (failure == null) {
                succeeded();
                finishJob(job);
                job.result.complete(value);
            } else if (!retryLater(job.what, unwrap(failure))) {
                finishJob(job);
                job.result.completeExceptionally(unwrap(failure));
            }
            next();
        });
    }

    private void finishJob(Job job) {
        lock.lock();
        try {
            jobs.remove(job);
        } finally {
            lock.unlock();
        }
    }

    private void runSession(String sessionId) {
        OptionalLong thread = topics.known(sessionId);
        if (thread.isEmpty()) {
            lock.lock();
            try {
                scheduled.remove(sessionId);
                awaitingTopic.add(sessionId);
            } finally {
                lock.unlock();
            }
            topics.ensure(sessionId).whenComplete((t, failure) -> {
                lock.lock();
                try {
                    awaitingTopic.remove(sessionId);
                } finally {
                    lock.unlock();
                }
                if (failure != null) {
                    // e.g. the bot lacks the right to manage topics: keep the rows, retry with backoff
                    backoff("creating the topic of session " + sessionId, unwrap(failure));
                }
                sessionHasWork(sessionId);
            });
            next();
            return;
        }
        List<OutboxEntry> rows = store.pending(sessionId, BATCH_ROWS);
        if (rows.isEmpty()) {
            lock.lock();
            try {
                scheduled.remove(sessionId);
            } finally {
                lock.unlock();
            }
            next();
            return;
        }
        List<OutboxEntry> batch = pack(rows);
        boolean plain;
        lock.lock();
        try {
            Long from = plainFrom.get(sessionId);
            plain = from != null && from == batch.getFirst().id();
            if (from != null && !plain) {
                plainFrom.remove(sessionId);
            }
        } finally {
            lock.unlock();
        }
        boolean html = !plain && batch.stream().allMatch(r -> r.html() != null);
        String text = join(batch, html);
        OutboxEntry first = batch.getFirst();
        List<List<Telegram.Button>> keyboard = first.kind() == OutboxEntry.Kind.APPROVAL
                ? Approvals.keyboard(first.approvalId()) : List.of();
        long threadId = thread.getAsLong();
        List<Long> ids = batch.stream().map(OutboxEntry::id).toList();
        consume();
        telegram.sendMessage(chatId, threadId, text, html ? "HTML" : null, keyboard)
                .whenComplete((sent, failure) -> {
                    try {
                        if (failure == null) {
                            succeeded();
                            store.markDelivered(ids, sent.messageId());
                            if (first.kind() == OutboxEntry.Kind.APPROVAL) {
                                approvalSent.accept(new SentApproval(first.approvalId(), threadId, sent.messageId()));
                            }
                            requeue(sessionId, false);
                        } else {
                            onSendFailure(sessionId, threadId, ids, unwrap(failure));
                        }
                    } catch (RuntimeException e) {
                        log.log(Level.ERROR, "delivery step for session " + sessionId + " failed; retrying", e);
                        pause(backoffBase);
                        requeue(sessionId, true);
                    }
                    next();
                });
    }

    private void onSendFailure(String sessionId, long threadId, List<Long> ids, Throwable failure) {
        if (!(failure instanceof BotApiException e)) {
            log.log(Level.ERROR, "sendMessage for session " + sessionId + " failed unexpectedly; retrying",
                    failure);
            pause(backoffBase);
            requeue(sessionId, true);
            return;
        }
        switch (e.kind()) {
            case THREAD_NOT_FOUND -> {
                log.log(Level.WARNING, "topic " + threadId + " of session " + sessionId
                        + " was deleted; creating a new one for the " + ids.size() + "+ undelivered rows");
                topics.deleted(sessionId, threadId);
                requeue(sessionId, true);
            }
            case TOPIC_CLOSED -> {
                log.log(Level.INFO, "topic " + threadId + " of session " + sessionId + " is closed; reopening");
                lock.lock();
                try {
                    scheduled.remove(sessionId);
                } finally {
                    lock.unlock();
                }
                submit("reopenForumTopic " + threadId, () -> telegram.reopenForumTopic(chatId, threadId))
                        .whenComplete((ok, f) -> {
                            Throwable cause = f == null ? null : unwrap(f);
                            if (cause instanceof BotApiException b && b.kind() == BotApiException.Kind.THREAD_NOT_FOUND) {
                                topics.deleted(sessionId, threadId);
                            } else if (cause != null) {
                                log.log(Level.WARNING, "reopening topic " + threadId + ": " + cause.getMessage());
                            }
                            sessionHasWork(sessionId);
                        });
            }
            case BAD_MARKUP -> {
                log.log(Level.INFO, "Telegram rejected the markup for session " + sessionId + " ("
                        + e.description() + "); re-sending as plain text");
                lock.lock();
                try {
                    plainFrom.put(sessionId, ids.getFirst());
                } finally {
                    lock.unlock();
                }
                requeue(sessionId, true);
            }
            case RATE_LIMITED, SERVER, NETWORK, CONFLICT -> {
                retryLater("sendMessage for session " + sessionId, e);
                requeue(sessionId, true);
            }
            case NOT_MODIFIED, REJECTED -> {
                log.log(Level.ERROR, "Telegram refused " + ids.size() + " outbox rows of session " + sessionId
                        + " for good: " + e.getMessage());
                store.markFailed(ids, e.description());
                requeue(sessionId, false);
            }
        }
    }

    /** Records a transient failure and pauses the loop; returns false for a permanent failure. */
    private boolean retryLater(String what, Throwable failure) {
        if (!(failure instanceof BotApiException e) || !e.kind().transientFailure()) {
            log.log(Level.WARNING, what + " failed for good: " + failure.getMessage());
            return false;
        }
        if (e.kind() == BotApiException.Kind.RATE_LIMITED) {
            Duration retry = e.retryAfter().orElse(Duration.ofSeconds(1));
            log.log(Level.WARNING, what + ": Telegram asks to wait " + retry.toSeconds() + " s (429)");
            pause(retry.toNanos());
        } else {
            backoff(what, e);
        }
        return true;
    }

    /** Pauses the loop for the next exponential backoff step (reset by the next success). */
    private void backoff(String what, Throwable failure) {
        int n;
        lock.lock();
        try {
            n = ++failures;
        } finally {
            lock.unlock();
        }
        long delay = Math.min(backoffMax, backoffBase << Math.min(20, n - 1));
        log.log(Level.WARNING, what + " failed (" + failure.getMessage() + "); retry " + n + " in "
                + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        pause(delay);
    }

    private void pause(long nanos) {
        lock.lock();
        try {
            pausedUntil = Math.max(pausedUntil, scheduler.nanoTime() + nanos);
        } finally {
            lock.unlock();
        }
    }

    private void pause(Duration d) {
        pause(d.toNanos());
    }

    private void succeeded() {
        lock.lock();
        try {
            failures = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Puts the session back in the round-robin: at the head to retry the same rows, else at the tail. */
    private void requeue(String sessionId, boolean head) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            ready.remove(sessionId);
            scheduled.add(sessionId);
            if (head) {
                ready.addFirst(sessionId);
            } else {
                ready.addLast(sessionId);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Consecutive rows that fit one message: an approval row alone, else TEXT rows up to 4096 units. */
    static List<OutboxEntry> pack(List<OutboxEntry> rows) {
        OutboxEntry first = rows.getFirst();
        if (first.kind() == OutboxEntry.Kind.APPROVAL) {
            return List.of(first);
        }
        List<OutboxEntry> batch = new ArrayList<>();
        int htmlLength = 0;
        int plainLength = 0;
        boolean allHtml = true;
        for (OutboxEntry r : rows) {
            if (r.kind() != OutboxEntry.Kind.TEXT) {
                break;
            }
            int sep = batch.isEmpty() ? 0 : SEPARATOR.length();
            boolean nextAllHtml = allHtml && r.html() != null;
            int h = htmlLength + sep + (r.html() == null ? 0 : r.html().length());
            int p = plainLength + sep + r.plain().length();
            int size = nextAllHtml ? h : p;
            if (!batch.isEmpty() && size > Telegram.MAX_MESSAGE_LENGTH) {
                break;
            }
            batch.add(r);
            htmlLength = h;
            plainLength = p;
            allHtml = nextAllHtml;
        }
        return batch;
    }

    private static final String SEPARATOR = "\n\n";

    private static String join(List<OutboxEntry> batch, boolean html) {
        StringBuilder b = new StringBuilder();
        for (OutboxEntry r : batch) {
            if (!b.isEmpty()) {
                b.append(SEPARATOR);
            }
            b.append(html ? r.html() : r.plain());
        }
        return b.toString();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
