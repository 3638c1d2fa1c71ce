package dev.interlock.plugin.voice.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.interlock.plugin.voice.ServerEvent;
import dev.interlock.plugin.voice.ServerEventType;

import java.util.Base64;
import java.util.Optional;

/**
 * Decodes one server message (JSON text) into a {@link ServerEvent}. Stateless and thread-safe.
 *
 * <p>Unknown types become {@link ServerEvent.Unknown}; text that is not a JSON object with a string {@code type}, or a
 * known event whose fields have the wrong shape, is a {@link MalformedEventException} naming what was wrong.
 */
public final class ServerEventDecoder {

    /** Thrown for a message that cannot be decoded; the message never includes more than 80 chars of input. */
    public static final class MalformedEventException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedEventException(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    public ServerEvent decode(String text) throws MalformedEventException {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new MalformedEventException("server message is not JSON (" + e.getOriginalMessage() + "): "
                    + excerpt(text));
        }
        if (node == null || !node.isObject()) {
            throw new MalformedEventException("server message is not a JSON object: " + excerpt(text));
        }
        JsonNode typeNode = node.get("type");
        if (typeNode == null || !typeNode.isTextual()) {
            throw new MalformedEventException("server message has no string \"type\": " + excerpt(text));
        }
        String wire = typeNode.asText();
        Optional<String> eventId = optText(node, "event_id");
        Optional<ServerEventType> type = ServerEventType.ofWireName(wire);
        if (type.isEmpty()) {
            return new ServerEvent.Unknown(wire, eventId, node);
        }
        ServerEventType t = type.get();
        return switch (t) {
            case ERROR -> {
                JsonNode err = node.get("error");
                if (err == null || !err.isObject()) {
                    throw new MalformedEventException("error event without an \"error\" object: " + excerpt(text));
                }
                yield new ServerEvent.Error(wire, eventId, optText(err, "type").orElse(""),
                        optText(err, "code").orElse(""), optText(err, "message").orElse(""),
                        optText(err, "param"), optText(err, "event_id"), node);
            }
            case RESPONSE_OUTPUT_AUDIO_DELTA -> {
                String delta = optText(node, "delta").orElseThrow(() ->
                        new MalformedEventException(wire + " without a string \"delta\""));
                byte[] audio;
                try {
                    audio = Base64.getDecoder().decode(delta);
                } catch (IllegalArgumentException e) {
                    throw new MalformedEventException(wire + " \"delta\" is not base64: " + e.getMessage());
                }
                yield new ServerEvent.AudioDelta(wire, eventId, optText(node, "response_id").orElse(""),
                        optText(node, "item_id").orElse(""), audio, node);
            }
            case RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA, RESPONSE_OUTPUT_TEXT_DELTA,
                 RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA -> text(t, wire, eventId, node, "delta", false);
            case RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE -> text(t, wire, eventId, node, "transcript", true);
            case RESPONSE_OUTPUT_TEXT_DONE -> text(t, wire, eventId, node, "text", true);
            case RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE -> text(t, wire, eventId, node, "arguments", true);
            default -> new ServerEvent.Known(t, wire, eventId, node);
        };
    }

    private static ServerEvent.Text text(ServerEventType t, String wire, Optional<String> eventId, JsonNode node,
                                         String field, boolean done) throws MalformedEventException {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new MalformedEventException(wire + " without a string \"" + field + "\"");
        }
        return new ServerEvent.Text(t, wire, eventId, optText(node, "response_id").orElse(""),
                optText(node, "item_id").orElse(""), v.asText(), done, node);
    }

    private static Optional<String> optText(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }

    private static String excerpt(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...(" + text.length() + " chars)";
    }
}
