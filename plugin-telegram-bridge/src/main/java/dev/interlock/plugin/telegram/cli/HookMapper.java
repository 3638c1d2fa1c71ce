package dev.interlock.plugin.telegram.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.plugin.telegram.botapi.BotApi;

import java.time.Instant;
import java.util.Set;

/**
 * Maps an agent hook event (Claude Code's hook JSON: {@code session_id}, {@code hook_event_name}, {@code cwd},
 * {@code tool_name}, {@code tool_input}, {@code tool_response}, {@code prompt}, {@code message}, ...) to a bridge
 * message.
 *
 * <table>
 *   <caption>Hook event to bridge type</caption>
 *   <tr><td>SessionStart</td><td>session_start</td></tr>
 *   <tr><td>UserPromptSubmit</td><td>user_input</td></tr>
 *   <tr><td>PreToolUse</td><td>approval_request for the approval tools, otherwise tool_start</td></tr>
 *   <tr><td>PostToolUse</td><td>tool_result</td></tr>
 *   <tr><td>Notification</td><td>agent_response</td></tr>
 *   <tr><td>Stop, SubagentStop</td><td>turn_complete</td></tr>
 *   <tr><td>PreCompact</td><td>pre_compact</td></tr>
 *   <tr><td>SessionEnd</td><td>session_end</td></tr>
 *   <tr><td>anything else</td><td>agent_response, content prefixed with the event name</td></tr>
 * </table>
 */
final class HookMapper {

    private HookMapper() {
    }

    /** The bridge message, or throws {@link IllegalArgumentException} naming what is missing. */
    static ObjectNode map(JsonNode hook, Set<String> approvalTools, String host, Instant now) {
        if (!hook.isObject()) {
            throw new IllegalArgumentException("hook input is not a JSON object");
        }
        String session = hook.path("session_id").asText("");
        if (session.isEmpty()) {
            throw new IllegalArgumentException("hook input has no session_id");
        }
        String event = hook.path("hook_event_name").asText("");
        String tool = hook.path("tool_name").asText("");
        String type;
        String content;
        switch (event) {
            case "SessionStart" -> {
                type = "session_start";
                content = hook.path("source").asText("");
            }
            case "UserPromptSubmit" -> {
                type = "user_input";
                content = hook.path("prompt").asText("");
            }
            case "PreToolUse" -> {
                boolean ask = approvalTools.contains("*") || approvalTools.contains(tool);
                type = ask ? "approval_request" : "tool_start";
                content = text(hook.get("tool_input"));
            }
            case "PostToolUse" -> {
                type = "tool_result";
                content = text(hook.get("tool_response"));
            }
            case "Notification" -> {
                type = "agent_response";
                content = hook.path("message").asText("");
            }
            case "Stop", "SubagentStop" -> {
                type = "turn_complete";
                content = "";
            }
            case "PreCompact" -> {
                type = "pre_compact";
                content = hook.path("trigger").asText("");
            }
            case "SessionEnd" -> {
                type = "session_end";
                content = hook.path("reason").asText("");
            }
            default -> {
                type = "agent_response";
                content = "[" + (event.isEmpty() ? "unknown hook event" : event) + "] "
                        + hook.path("message").asText("");
            }
        }
        ObjectNode m = BotApi.JSON.createObjectNode().put("type", type).put("sessionId", session)
                .put("timestamp", now.toString()).put("content", content);
        ObjectNode meta = m.putObject("metadata").put("hookEvent", event).put("host", host);
        if (hook.hasNonNull("cwd")) {
            meta.put("projectDir", hook.path("cwd").asText());
        }
        if (!tool.isEmpty()) {
            meta.put("tool", tool);
        }
        if (hook.hasNonNull("tool_input")) {
            meta.set("input", hook.get("tool_input"));
        }
        return m;
    }

    private static String text(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        return node.isTextual() ? node.asText() : node.toString();
    }
}
