package dev.interlock.plugin.telegram.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.interlock.api.exec.Scheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A Telegram Bot API emulator: a real HTTP server ({@code com.sun.net.httpserver}) speaking the Bot API's JSON
 * protocol for the methods the bridge uses, with Telegram's documented behaviour and failure modes, recording every
 * call for assertions. For tests and demos; not part of any exported API.
 *
 * <h2>What it emulates</h2>
 * <ul>
 *   <li>{@code createForumTopic}, {@code sendMessage} (HTML parse mode checked, 4096-unit limit, inline keyboards
 *       with callback data of at most 64 bytes), {@code editMessageText} ("message is not modified"),
 *       {@code answerCallbackQuery}, {@code getUpdates} (long polling, offset confirmation, 409 for a second
 *       concurrent poller), {@code closeForumTopic}, {@code reopenForumTopic}, {@code deleteForumTopic}.
 *   <li>Errors as Telegram words them: 429 with {@code parameters.retry_after} when a chat exceeds its rate
 *       (sliding window per chat, plus a global per-second limit), "Bad Request: message thread not found" for a
 *       deleted topic, "Bad Request: TOPIC_CLOSED", "Bad Request: can't parse entities: ...", 401 for a wrong token.
 *   <li>Faults on demand: latency, injected error answers, dropped connections (before or after the request took
 *       effect: the latter is how a duplicate happens in real life).
 * </ul>
 * Time (rate windows, latency) comes from the injected {@link Scheduler}; the HTTP server runs its exchanges on
 * that scheduler's executor, so it needs a scheduler backed by real threads.
 */
public final class BotApiEmulator implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * A recorded call: method, parameters, the HTTP status answered (0 if the connection was dropped), Telegram's
     * description, and when it was handled ({@link Scheduler#nanoTime()} of the emulator's scheduler).
     */
    public record Call(String method, JsonNode params, int status, String description, long atNanos) {
    }

    /** A message as it stands now (after edits); {@code text} is as clients show it (markup parsed). */
    public record Message(long messageId, long threadId, String text, String parseMode, boolean hasKeyboard) {
    }

    /** A forum topic. */
    public record Topic(long threadId, String name, String state, List<Message> messages) {
    }

    private final Scheduler scheduler;
    private final String token;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition updatesArrived = lock.newCondition();

    // --- state, guarded by lock
    private final Map<Long, ChatState> chats = new HashMap<>();
    private final List<Call> calls = new ArrayList<>();
    private final Deque<ObjectNode> updates = new ArrayDeque<>();
    private final Map<String, Deque<Fault>> faults = new HashMap<>();
    private final Map<String, Long> openCallbackQueries = new HashMap<>();
    private final Deque<Long> globalWindow = new ArrayDeque<>();
    private long nextUpdateId = 1;
    private long nextCallbackId = 1;
    private boolean pollerActive;
    private boolean closed;
    private int perChatPerMinute;
    private int globalPerSecond;
    private Duration latency = Duration.ZERO;

    private HttpServer server;

    private BotApiEmulator(Scheduler scheduler, String token, int perChatPerMinute, int globalPerSecond) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.token = Objects.requireNonNull(token, "token");
        this.perChatPerMinute = perChatPerMinute;
        this.globalPerSecond = globalPerSecond;
    }

    /**
     * A new emulator (not yet listening) with Telegram's limits: 20 messages per minute per chat, 30 per second
     * globally.
     */
    public static BotApiEmulator create(Scheduler scheduler, String token) {
        return new BotApiEmulator(scheduler, token, 20, 30);
    }

    /** Sets the rate limits (messages per minute per chat, messages per second overall); {@code <= 0} disables. */
    public BotApiEmulator limits(int perChatPerMinute, int globalPerSecond) {
        lock.lock();
        try {
            this.perChatPerMinute = perChatPerMinute;
            this.globalPerSecond = globalPerSecond;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Delays every HTTP answer by {@code latency} (measured on the scheduler). */
    public BotApiEmulator latency(Duration latency) {
        lock.lock();
        try {
            this.latency = Objects.requireNonNull(latency, "latency");
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Starts the HTTP server on 127.0.0.1 and an ephemeral port. */
    public BotApiEmulator start() throws IOException {
        return start(0);
    }

    /** Starts the HTTP server on 127.0.0.1 and {@code port} (0: ephemeral). */
    public BotApiEmulator start(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        server.setExecutor(scheduler);
        server.createContext("/", this::exchange);
        server.start();
        return this;
    }

    /** The base URL to give the client (e.g. {@code http://127.0.0.1:34567}). */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
        lock.lock();
        try {
            closed = true;
            updatesArrived.signalAll();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ fault injection

    private record Fault(int status, String description, Integer retryAfter, boolean drop, boolean afterApplying) {
    }

    /** The next {@code count} calls of {@code method} are answered with this error instead of being executed. */
    public void failNext(String method, int count, int status, String description, Integer retryAfter) {
        addFaults(method, count, new Fault(status, description, retryAfter, false, false));
    }

    /**
     * The next {@code count} calls of {@code method} lose their connection without an answer; if
     * {@code afterApplying}, the call takes effect first (the client cannot know it did).
     */
    public void dropNext(String method, int count, boolean afterApplying) {
        addFaults(method, count, new Fault(0, "connection dropped", null, true, afterApplying));
    }

    private void addFaults(String method, int count, Fault fault) {
        lock.lock();
        try {
            Deque<Fault> q = faults.computeIfAbsent(method, m -> new ArrayDeque<>());
            for (int i = 0; i < count; i++) {
                q.add(fault);
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ acting as a user of the group

    /** A user deletes a topic (as from the client). */
    public void deleteTopic(long chatId, long threadId) {
        lock.lock();
        try {
            chat(chatId).topics.get(threadId).state = "DELETED";
        } finally {
            lock.unlock();
        }
    }

    /** A user closes a topic (as from the client). */
    public void closeTopic(long chatId, long threadId) {
        lock.lock();
        try {
            chat(chatId).topics.get(threadId).state = "CLOSED";
        } finally {
            lock.unlock();
        }
    }

    /**
     * A user taps an inline button: queues a {@code callback_query} update for the bot.
     *
     * @return the callback query id
     */
    public String pressButton(long chatId, long messageId, String callbackData, long userId, String username) {
        lock.lock();
        try {
            MessageState m = chat(chatId).messages.get(messageId);
            if (m == null) {
                throw new IllegalArgumentException("no message " + messageId + " in chat " + chatId);
            }
            String id = Long.toString(nextCallbackId++);
            openCallbackQueries.put(id, chatId);
            ObjectNode update = JSON.createObjectNode().put("update_id", nextUpdateId++);
            ObjectNode q = update.putObject("callback_query").put("id", id).put("data", callbackData)
                    .put("chat_instance", Long.toString(chatId));
            q.putObject("from").put("id", userId).put("is_bot", false).put("first_name", username)
                    .put("username", username);
            q.set("message", m.toJson(chatId));
            updates.add(update);
            updatesArrived.signalAll();
            return id;
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ inspection

    /** Every call so far, in the order they were handled. */
    public List<Call> calls() {
        lock.lock();
        try {
            return List.copyOf(calls);
        } finally {
            lock.unlock();
        }
    }

    /** Calls of one method. */
    public List<Call> calls(String method) {
        return calls().stream().filter(c -> c.method().equals(method)).toList();
    }

    /** The chat's topics in creation order, each with its messages in order. */
    public List<Topic> topics(long chatId) {
        lock.lock();
        try {
            List<Topic> out = new ArrayList<>();
            for (TopicState t : chat(chatId).topics.values()) {
                List<Message> ms = new ArrayList<>();
                for (MessageState m : t.messages) {
                    ms.add(new Message(m.id, m.threadId, m.text, m.parseMode, m.keyboard != null));
                }
                out.add(new Topic(t.threadId, t.name, t.state, List.copyOf(ms)));
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Total messages sent into topics of the chat (not counting topic creation). */
    public int messageCount(long chatId) {
        return topics(chatId).stream().mapToInt(t -> t.messages().size()).sum();
    }

    /** Updates not yet confirmed by a getUpdates offset. */
    public int unconfirmedUpdates() {
        lock.lock();
        try {
            return updates.size();
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ the API

    /** An answer: HTTP status and JSON body. */
    public record Answer(int status, ObjectNode body) {
    }

    private static final class ChatState {
        final Map<Long, TopicState> topics = new LinkedHashMap<>();
        final Map<Long, MessageState> messages = new HashMap<>();
        final Deque<Long> window = new ArrayDeque<>();
        long nextMessageId = 1;
    }

    private static final class TopicState {
        final long threadId;
        final String name;
        String state = "OPEN";
        final List<MessageState> messages = new ArrayList<>();

        TopicState(long threadId, String name) {
            this.threadId = threadId;
            this.name = name;
        }
    }

    private static final class MessageState {
        final long id;
        final long threadId;
        String text;
        String parseMode;
        JsonNode keyboard;

        MessageState(long id, long threadId, String text, String parseMode, JsonNode keyboard) {
            this.id = id;
            this.threadId = threadId;
            this.text = text;
            this.parseMode = parseMode;
            this.keyboard = keyboard;
        }

        ObjectNode toJson(long chatId) {
            ObjectNode m = JSON.createObjectNode().put("message_id", id).put("message_thread_id", threadId)
                    .put("is_topic_message", true).put("date", 0).put("text", text);
            m.putObject("chat").put("id", chatId).put("type", "supergroup").put("is_forum", true);
            return m;
        }
    }

    private ChatState chat(long chatId) {
        return chats.computeIfAbsent(chatId, id -> new ChatState());
    }

    private static final class Refusal extends RuntimeException {
        final int status;
        final Integer retryAfter;

        Refusal(int status, String description, Integer retryAfter) {
            super(description, null, false, false);
            this.status = status;
            this.retryAfter = retryAfter;
        }
    }

    private static Refusal bad(String description) {
        return new Refusal(400, "Bad Request: " + description, null);
    }

    /**
     * Handles one call in-process (no HTTP, no latency, no injected faults): for tests that drive the bridge on a
     * virtual clock.
     */
    public Answer handle(String method, JsonNode params) {
        lock.lock();
        try {
            return handleLocked(method, params, null);
        } finally {
            lock.unlock();
        }
    }

    private Answer handleLocked(String method, JsonNode params, Fault fault) {
        Answer answer;
        try {
            if (fault != null && !fault.drop) {
                throw new Refusal(fault.status, fault.description, fault.retryAfter);
            }
            ObjectNode ok = JSON.createObjectNode().put("ok", true);
            ok.set("result", apply(method, params));
            answer = new Answer(200, ok);
        } catch (Refusal r) {
            ObjectNode err = JSON.createObjectNode().put("ok", false).put("error_code", r.status)
                    .put("description", r.getMessage());
            if (r.retryAfter != null) {
                err.putObject("parameters").put("retry_after", r.retryAfter);
            }
            answer = new Answer(r.status, err);
        }
        calls.add(new Call(method, params, fault != null && fault.drop ? 0 : answer.status(),
                answer.body().path("description").asText(""), scheduler.nanoTime()));
        return answer;
    }

    private JsonNode apply(String method, JsonNode p) {
        return switch (method) {
            case "getMe" -> JSON.createObjectNode().put("id", 1).put("is_bot", true).put("username", "emulator_bot");
            case "createForumTopic" -> {
                ChatState c = chatParam(p);
                String name = p.path("name").asText("");
                if (name.isEmpty() || name.length() > 128) {
                    throw bad("TOPIC_NAME_INVALID");
                }
                rate(c);
                long id = c.nextMessageId++;
                c.topics.put(id, new TopicState(id, name));
                yield JSON.createObjectNode().put("message_thread_id", id).put("name", name)
                        .put("icon_color", 7322096);
            }
            case "sendMessage" -> {
                ChatState c = chatParam(p);
                String text = p.path("text").asText("");
                String parseMode = p.hasNonNull("parse_mode") ? p.path("parse_mode").asText() : null;
                long threadId = p.path("message_thread_id").asLong(0);
                TopicState t = null;
                if (threadId != 0) {
                    t = c.topics.get(threadId);
                    if (t == null || t.state.equals("DELETED")) {
                        throw bad("message thread not found");
                    }
                    if (t.state.equals("CLOSED")) {
                        throw bad("TOPIC_CLOSED");
                    }
                }
                String visible = checkText(text, parseMode);
                JsonNode keyboard = p.path("reply_markup").path("inline_keyboard");
                if (keyboard.isArray()) {
                    for (JsonNode row : keyboard) {
                        for (JsonNode button : row) {
                            int bytes = button.path("callback_data").asText("")
                                    .getBytes(StandardCharsets.UTF_8).length;
                            if (bytes < 1 || bytes > 64) {
                                throw bad("BUTTON_DATA_INVALID");
                            }
                        }
                    }
                } else {
                    keyboard = null;
                }
                rate(c);
                MessageState m = new MessageState(c.nextMessageId++, threadId, visible, parseMode, keyboard);
                c.messages.put(m.id, m);
                if (t != null) {
                    t.messages.add(m);
                }
                yield m.toJson(p.path("chat_id").asLong());
            }
            case "editMessageText" -> {
                ChatState c = chatParam(p);
                MessageState m = c.messages.get(p.path("message_id").asLong());
                if (m == null) {
                    throw bad("message to edit not found");
                }
                String text = p.path("text").asText("");
                String parseMode = p.hasNonNull("parse_mode") ? p.path("parse_mode").asText() : null;
                String visible = checkText(text, parseMode);
                JsonNode keyboard = p.path("reply_markup").path("inline_keyboard");
                JsonNode newKeyboard = keyboard.isArray() ? keyboard : null;
                if (visible.equals(m.text) && Objects.equals(newKeyboard, m.keyboard)) {
                    throw bad("message is not modified: specified new message content and reply markup are"
                            + " exactly the same as a current content and reply markup of the message");
                }
                rate(c);
                m.text = visible;
                m.parseMode = parseMode;
                m.keyboard = newKeyboard;
                yield m.toJson(p.path("chat_id").asLong());
            }
            case "answerCallbackQuery" -> {
                String id = p.path("callback_query_id").asText();
                if (openCallbackQueries.remove(id) == null) {
                    throw bad("query is too old and response timeout expired or query ID is invalid");
                }
                yield JSON.getNodeFactory().booleanNode(true);
            }
            case "closeForumTopic", "reopenForumTopic", "deleteForumTopic" -> {
                ChatState c = chatParam(p);
                TopicState t = c.topics.get(p.path("message_thread_id").asLong());
                if (t == null || t.state.equals("DELETED")) {
                    throw bad("message thread not found");
                }
                String target = switch (method) {
                    case "closeForumTopic" -> "CLOSED";
                    case "reopenForumTopic" -> "OPEN";
                    default -> "DELETED";
                };
                if (t.state.equals(target)) {
                    throw bad("TOPIC_NOT_MODIFIED");
                }
                t.state = target;
                yield JSON.getNodeFactory().booleanNode(true);
            }
            case "getUpdates" -> {
                long offset = p.path("offset").asLong(0);
                while (!updates.isEmpty() && updates.peekFirst().path("update_id").asLong() < offset) {
                    updates.removeFirst();
                }
                ArrayNode result = JSON.createArrayNode();
                updates.forEach(result::add);
                yield result;
            }
            default -> throw new Refusal(404, "Not Found: method not found", null);
        };
    }

    private ChatState chatParam(JsonNode p) {
        if (!p.path("chat_id").canConvertToLong()) {
            throw bad("chat_id is empty");
        }
        return chat(p.path("chat_id").asLong());
    }

    /** Validates like Telegram and returns the text as clients show it (entities parsed). */
    private static String checkText(String text, String parseMode) {
        String visible = text;
        if ("HTML".equalsIgnoreCase(parseMode)) {
            try {
                visible = HtmlEntities.parse(text);
            } catch (IllegalArgumentException e) {
                throw new Refusal(400, e.getMessage(), null);
            }
        }
        if (visible.isBlank()) {
            throw bad("message text is empty");
        }
        if (visible.length() > 4096) {
            throw bad("message is too long");
        }
        return visible;
    }

    private void rate(ChatState c) {
        long now = scheduler.nanoTime();
        long minute = TimeUnit.MINUTES.toNanos(1);
        long second = TimeUnit.SECONDS.toNanos(1);
        while (!c.window.isEmpty() && now - c.window.peekFirst() >= minute) {
            c.window.removeFirst();
        }
        while (!globalWindow.isEmpty() && now - globalWindow.peekFirst() >= second) {
            globalWindow.removeFirst();
        }
        if (perChatPerMinute > 0 && c.window.size() >= perChatPerMinute) {
            long wait = c.window.peekFirst() + minute - now;
            throw new Refusal(429, "Too Many Requests: retry after " + seconds(wait), seconds(wait));
        }
        if (globalPerSecond > 0 && globalWindow.size() >= globalPerSecond) {
            long wait = globalWindow.peekFirst() + second - now;
            throw new Refusal(429, "Too Many Requests: retry after " + seconds(wait), seconds(wait));
        }
        c.window.addLast(now);
        globalWindow.addLast(now);
    }

    private static int seconds(long nanos) {
        return (int) Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
    }

    // ------------------------------------------------------------------ HTTP

    private void exchange(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String prefix = "/bot" + token + "/";
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(1 << 20);
            }
            if (!path.startsWith(prefix)) {
                respond(ex, new Answer(401, JSON.createObjectNode().put("ok", false).put("error_code", 401)
                        .put("description", "Unauthorized")));
                return;
            }
            String method = path.substring(prefix.length());
            JsonNode params;
            try {
                params = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            } catch (IOException e) {
                respond(ex, new Answer(400, JSON.createObjectNode().put("ok", false).put("error_code", 400)
                        .put("description", "Bad Request: can't parse JSON")));
                return;
            }
            Duration delay;
            lock.lock();
            try {
                delay = latency;
            } finally {
                lock.unlock();
            }
            if (!delay.isZero()) {
                CompletableFuture<Void> slept = new CompletableFuture<>();
                scheduler.schedule(() -> slept.complete(null), delay);
                slept.join();
            }
            Answer answer;
            Fault fault;
            lock.lock();
            try {
                Deque<Fault> q = faults.get(method);
                fault = q == null ? null : q.pollFirst();
                if (method.equals("getUpdates") && (fault == null || !fault.drop)) {
                    answer = longPoll(params, fault);
                } else if (fault != null && fault.drop && !fault.afterApplying) {
                    calls.add(new Call(method, params, 0, "connection dropped", scheduler.nanoTime()));
                    answer = null;
                } else {
                    answer = handleLocked(method, params, fault != null && fault.drop ? null : fault);
                    if (fault != null && fault.drop) {
                        calls.set(calls.size() - 1, new Call(method, params, 0, "connection dropped after applying",
                                scheduler.nanoTime()));
                        answer = null;
                    }
                }
            } finally {
                lock.unlock();
            }
            if (answer != null) {
                respond(ex, answer);
            }
            // no answer: closing the exchange before sending headers drops the connection
        }
    }

    /** Called with the lock held. */
    private Answer longPoll(JsonNode params, Fault fault) {
        if (pollerActive) {
            ObjectNode err = JSON.createObjectNode().put("ok", false).put("error_code", 409).put("description",
                    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running");
            calls.add(new Call("getUpdates", params, 409, err.path("description").asText(), scheduler.nanoTime()));
            return new Answer(409, err);
        }
        if (fault != null) {
            return handleLocked("getUpdates", params, fault);
        }
        pollerActive = true;
        try {
            long offset = params.path("offset").asLong(0);
            long waitNanos = TimeUnit.SECONDS.toNanos(Math.min(50, Math.max(0, params.path("timeout").asLong(0))));
            while (waitNanos > 0 && updates.stream().noneMatch(u -> u.path("update_id").asLong() >= offset)
                    && !closed) {
                try {
                    waitNanos = updatesArrived.awaitNanos(waitNanos);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return handleLocked("getUpdates", params, null);
        } finally {
            pollerActive = false;
        }
    }

    private static void respond(HttpExchange ex, Answer answer) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(answer.body());
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(answer.status(), bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }
}
