package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.plugin.telegram.botapi.BotApi;

import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One NDJSON line on the bridge socket: {@code {type, sessionId, timestamp, content, metadata}}.
 *
 * @param type      one of {@link #TYPES}
 * @param sessionId the agent session, 1..{@value #MAX_SESSION_ID} characters of {@code [A-Za-z0-9._:-]}
 * @param timestamp the sender's timestamp (ISO-8601), informative only: order is the daemon's order of acceptance
 * @param content   the text (may be empty)
 * @param metadata  optional details (tool name and input, cwd, host, ...); never null
 */
public record BridgeMessage(String type, String sessionId, String timestamp, String content, ObjectNode metadata) {

    /** The message types of the bridge protocol. */
    public static final List<String> TYPES = List.of("session_start", "agent_response", "tool_start", "tool_result",
            "user_input", "approval_request", "approval_response", "error", "pre_compact", "turn_complete",
            "session_end", "session_rename");

    /** Longest session id accepted, in characters. */
    public static final int MAX_SESSION_ID = 128;

    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_SESSION_ID + "}");

    /**
     * Parses and validates one line (without its newline).
     *
     * @throws BadInputException naming what is wrong: not JSON, not an object, missing or unknown type, missing or
     *                           malformed sessionId, content or metadata of the wrong JSON type
     */
    public static BridgeMessage parse(byte[] line) throws BadInputException {
        JsonNode node;
        try {
            node = BotApi.JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadInputException("not JSON: " + e.getOriginalMessage()
                    + ". Expected one JSON object per line: {type, sessionId, timestamp, content, metadata}");
        } catch (IOException e) {
            throw new BadInputException("not JSON: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadInputException("not a JSON object (got " + (node == null ? "nothing" : node.getNodeType())
                    + "). Expected {type, sessionId, timestamp, content, metadata}");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new BadInputException("missing 'type' (a string). Expected one of " + TYPES);
        }
        if (!TYPES.contains(type.asText())) {
            String t = type.asText();
            throw new BadInputException("unknown type '" + (t.length() > 40 ? t.substring(0, 40) + "..." : t)
                    + "'. Expected one of " + TYPES);
        }
        JsonNode session = node.get("sessionId");
        if (session == null || !session.isTextual() || session.asText().isEmpty()) {
            throw new BadInputException("missing 'sessionId' (a non-empty string) in a '" + type.asText()
                    + "' message");
        }
        if (!SESSION_ID.matcher(session.asText()).matches()) {
            throw new BadInputException("sessionId is malformed: expected 1.." + MAX_SESSION_ID
                    + " characters of [A-Za-z0-9._:-], got " + session.asText().length() + " characters");
        }
        JsonNode content = node.get("content");
        if (content != null && !content.isNull() && !content.isTextual()) {
            throw new BadInputException("'content' must be a string, got " + content.getNodeType());
        }
        JsonNode metadata = node.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            throw new BadInputException("'metadata' must be an object, got " + metadata.getNodeType());
        }
        return new BridgeMessage(type.asText(), session.asText(), node.path("timestamp").asText(""),
                content == null || content.isNull() ? "" : content.asText(),
                metadata instanceof ObjectNode o ? o : BotApi.JSON.createObjectNode());
    }

    /** The JSON object for this message. */
    public ObjectNode toJson() {
        ObjectNode o = BotApi.JSON.createObjectNode().put("type", type).put("sessionId", sessionId)
                .put("timestamp", timestamp).put("content", content);
        o.set("metadata", metadata);
        return o;
    }
}
