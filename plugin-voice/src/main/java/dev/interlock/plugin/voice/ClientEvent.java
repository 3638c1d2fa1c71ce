package dev.interlock.plugin.voice;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A client event: an immutable JSON object with a {@code type} and, once it is accepted by a {@link VoiceSession},
 * an {@code event_id}.
 *
 * <p>Events are built with the static factories (one per {@link ClientEventType}) or parsed with
 * {@link #fromJson(String)}. An event without an id is given a unique one by {@link VoiceSession#send(ClientEvent)};
 * an event may also carry a caller-chosen id ({@link #withEventId(String)}), which the session checks for reuse.
 * The body is copied on the way in and out: no caller can change an event after it was built.
 */
public final class ClientEvent {

    /** Longest accepted {@code event_id}, in characters. */
    public static final int MAX_EVENT_ID_LENGTH = 128;

    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1," + MAX_EVENT_ID_LENGTH + "}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final ClientEventType type;
    private final String eventId;
    private final ObjectNode body;
    private final String json;

    private ClientEvent(ClientEventType type, String eventId, ObjectNode body) {
        this.type = type;
        this.eventId = eventId;
        ObjectNode copy = body.deepCopy();
        copy.remove("event_id");
        copy.put("type", type.wireName());
        ObjectNode ordered = NODES.objectNode();
        ordered.put("type", type.wireName());
        if (eventId != null) {
            ordered.put("event_id", eventId);
        }
        copy.properties().forEach(e -> {
            if (!e.getKey().equals("type")) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        this.body = ordered;
        try {
            this.json = JSON.writeValueAsString(ordered);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written: " + e.getOriginalMessage(), e);
        }
    }

    /** An event whose ordered tree and JSON text are already built (by {@link #withEventId}); nothing is copied. */
    private ClientEvent(ClientEventType type, String eventId, ObjectNode ordered, String json) {
        this.type = type;
        this.eventId = eventId;
        this.body = ordered;
        this.json = json;
    }

    /** An event of {@code type} with the given fields ({@code type} and {@code event_id} in {@code fields} are ignored). */
    public static ClientEvent of(ClientEventType type, ObjectNode fields) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(fields, "fields");
        return new ClientEvent(type, null, fields);
    }

    /** {@code session.update} with the given {@code session} object. */
    public static ClientEvent sessionUpdate(ObjectNode session) {
        Objects.requireNonNull(session, "session");
        ObjectNode f = NODES.objectNode();
        f.set("session", session.deepCopy());
        return of(ClientEventType.SESSION_UPDATE, f);
    }

    /** {@code input_audio_buffer.append} with {@code audio} (raw bytes in the session's input format), base64-encoded. */
    public static ClientEvent inputAudioAppend(byte[] audio) {
        Objects.requireNonNull(audio, "audio");
        ObjectNode f = NODES.objectNode();
        f.put("audio", Base64.getEncoder().encodeToString(audio));
        return of(ClientEventType.INPUT_AUDIO_BUFFER_APPEND, f);
    }

    /** {@code input_audio_buffer.commit}. */
    public static ClientEvent inputAudioCommit() {
        return of(ClientEventType.INPUT_AUDIO_BUFFER_COMMIT, NODES.objectNode());
    }

    /** {@code input_audio_buffer.clear}. */
    public static ClientEvent inputAudioClear() {
        return of(ClientEventType.INPUT_AUDIO_BUFFER_CLEAR, NODES.objectNode());
    }

    /** {@code conversation.item.create} with the given {@code item}. */
    public static ClientEvent conversationItemCreate(ObjectNode item) {
        Objects.requireNonNull(item, "item");
        ObjectNode f = NODES.objectNode();
        f.set("item", item.deepCopy());
        return of(ClientEventType.CONVERSATION_ITEM_CREATE, f);
    }

    /** {@code conversation.item.create} of a user message with one {@code input_text} part. */
    public static ClientEvent userText(String text) {
        Objects.requireNonNull(text, "text");
        ObjectNode item = NODES.objectNode();
        item.put("type", "message");
        item.put("role", "user");
        ObjectNode part = item.putArray("content").addObject();
        part.put("type", "input_text");
        part.put("text", text);
        return conversationItemCreate(item);
    }

    /** {@code conversation.item.truncate}: cut item {@code itemId}'s content part {@code contentIndex} at {@code audioEndMs}. */
    public static ClientEvent conversationItemTruncate(String itemId, int contentIndex, long audioEndMs) {
        Objects.requireNonNull(itemId, "itemId");
        if (contentIndex < 0 || audioEndMs < 0) {
            throw new IllegalArgumentException("contentIndex and audioEndMs must not be negative: contentIndex="
                    + contentIndex + ", audioEndMs=" + audioEndMs);
        }
        ObjectNode f = NODES.objectNode();
        f.put("item_id", itemId);
        f.put("content_index", contentIndex);
        f.put("audio_end_ms", audioEndMs);
        return of(ClientEventType.CONVERSATION_ITEM_TRUNCATE, f);
    }

    /** {@code conversation.item.delete} of {@code itemId}. */
    public static ClientEvent conversationItemDelete(String itemId) {
        Objects.requireNonNull(itemId, "itemId");
        ObjectNode f = NODES.objectNode();
        f.put("item_id", itemId);
        return of(ClientEventType.CONVERSATION_ITEM_DELETE, f);
    }

    /** {@code response.create} with the session's defaults. */
    public static ClientEvent responseCreate() {
        return of(ClientEventType.RESPONSE_CREATE, NODES.objectNode());
    }

    /** {@code response.create} with a {@code response} object overriding the session's defaults. */
    public static ClientEvent responseCreate(ObjectNode response) {
        Objects.requireNonNull(response, "response");
        ObjectNode f = NODES.objectNode();
        f.set("response", response.deepCopy());
        return of(ClientEventType.RESPONSE_CREATE, f);
    }

    /** {@code response.cancel}. */
    public static ClientEvent responseCancel() {
        return of(ClientEventType.RESPONSE_CANCEL, NODES.objectNode());
    }

    /**
     * Parses one client event from JSON text (e.g. a line typed into {@code interlock voice connect}).
     *
     * @throws IllegalArgumentException if the text is not a JSON object, has no string {@code type}, the type is not
     *                                  a client event (the message lists the known ones), or the {@code event_id} is
     *                                  malformed
     */
    public static ClientEvent fromJson(String text) {
        Objects.requireNonNull(text, "text");
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON client event (" + e.getOriginalMessage()
                    + "); expected one object per line, e.g. {\"type\":\"response.create\"}");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("a client event must be a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType()) + "; e.g. {\"type\":\"response.create\"}");
        }
        JsonNode typeNode = node.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new IllegalArgumentException("a client event needs a string \"type\"; e.g. {\"type\":\"response.create\"}");
        }
        ClientEventType type = ClientEventType.ofWireName(typeNode.asText()).orElseThrow(() ->
                new IllegalArgumentException("unknown client event type '" + abbreviate(typeNode.asText())
                        + "'; known: " + Arrays.stream(ClientEventType.values()).map(ClientEventType::wireName).toList()));
        ClientEvent event = new ClientEvent(type, null, (ObjectNode) node);
        JsonNode id = node.get("event_id");
        if (id == null || id.isNull()) {
            return event;
        }
        if (!id.isTextual()) {
            throw new IllegalArgumentException("\"event_id\" must be a string, got " + id.getNodeType());
        }
        return event.withEventId(id.asText());
    }

    /** This event with {@code eventId}: 1 to {@value #MAX_EVENT_ID_LENGTH} of {@code [A-Za-z0-9_.:-]}. */
    public ClientEvent withEventId(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        if (!EVENT_ID.matcher(eventId).matches()) {
            throw new IllegalArgumentException("invalid event_id '" + abbreviate(eventId) + "': expected 1 to "
                    + MAX_EVENT_ID_LENGTH + " characters of [A-Za-z0-9_.:-]");
        }
        // The hot path of VoiceSession.send (every event without an id comes through here): instead of copying the
        // tree and serializing it again, splice the id into the JSON text, which is {"type":"<wire name>" then
        // ,"event_id":"<old id>" if there was one, then the other fields. Neither the wire name nor an id needs JSON
        // escaping (both are checked ASCII), so the text is exactly what serializing the new tree would give. The new
        // tree shares the field values with this one: neither is ever handed out (toJsonTree() returns a copy).
        String head = "{\"type\":\"" + type.wireName() + "\"";
        int rest = head.length() + (this.eventId == null ? 0 : ",\"event_id\":\"".length() + this.eventId.length() + 1);
        String spliced = head + ",\"event_id\":\"" + eventId + "\"" + json.substring(rest);
        ObjectNode ordered = NODES.objectNode();
        ordered.put("type", type.wireName());
        ordered.put("event_id", eventId);
        body.properties().forEach(e -> {
            if (!e.getKey().equals("type") && !e.getKey().equals("event_id")) {
                ordered.set(e.getKey(), e.getValue());
            }
        });
        return new ClientEvent(type, eventId, ordered, spliced);
    }

    /** The event's type. */
    public ClientEventType type() {
        return type;
    }

    /** The {@code event_id}, if one was given or assigned. */
    public Optional<String> eventId() {
        return Optional.ofNullable(eventId);
    }

    /** A copy of the JSON object, {@code type} and {@code event_id} first. */
    public ObjectNode toJsonTree() {
        return body.deepCopy();
    }

    /** The event as compact JSON text, as it goes on the wire. */
    public String toJson() {
        return json;
    }

    /** Size of {@link #toJson()} in UTF-16 characters: what the outbound budgets count. */
    public int jsonLength() {
        return json.length();
    }

    private static String abbreviate(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...(" + s.length() + " chars)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientEvent other && other.json.equals(json);
    }

    @Override
    public int hashCode() {
        return json.hashCode();
    }

    /** The type and id only: audio payloads are not printed. */
    @Override
    public String toString() {
        return "ClientEvent[" + type.wireName() + (eventId == null ? "" : ", " + eventId) + "]";
    }
}
