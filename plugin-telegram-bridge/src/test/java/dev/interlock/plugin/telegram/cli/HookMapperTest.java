package dev.interlock.plugin.telegram.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.plugin.telegram.botapi.BotApi;
import dev.interlock.plugin.telegram.daemon.BridgeMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hook JSON to bridge messages; every mapped message passes the daemon's own validation. */
class HookMapperTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private static ObjectNode map(String json, String... approvalTools) throws Exception {
        ObjectNode m = HookMapper.map(BotApi.JSON.readTree(json), Set.of(approvalTools), "host1", NOW);
        BridgeMessage.parse(m.toString().getBytes(StandardCharsets.UTF_8));
        return m;
    }

    @Test
    void map_eachHookEvent_expectedBridgeType() throws Exception {
        String base = "{\"session_id\":\"abc\",\"cwd\":\"/p\",";
        assertThat(map(base + "\"hook_event_name\":\"SessionStart\",\"source\":\"startup\"}").path("type").asText())
                .isEqualTo("session_start");
        assertThat(map(base + "\"hook_event_name\":\"UserPromptSubmit\",\"prompt\":\"hi\"}").path("content").asText())
                .isEqualTo("hi");
        assertThat(map(base + "\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Read\",\"tool_input\":{}}", "Bash")
                .path("type").asText()).isEqualTo("tool_start");
        JsonNode ask = map(base + "\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Bash\",\"tool_input\":{\"command\":\"ls\"}}",
                "Bash");
        assertThat(ask.path("type").asText()).isEqualTo("approval_request");
        assertThat(ask.path("metadata").path("tool").asText()).isEqualTo("Bash");
        assertThat(ask.path("metadata").path("projectDir").asText()).isEqualTo("/p");
        assertThat(map(base + "\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Read\",\"tool_input\":{}}", "*")
                .path("type").asText()).isEqualTo("approval_request");
        assertThat(map(base + "\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Read\",\"tool_response\":{\"x\":1}}")
                .path("content").asText()).isEqualTo("{\"x\":1}");
        assertThat(map(base + "\"hook_event_name\":\"Stop\"}").path("type").asText()).isEqualTo("turn_complete");
        assertThat(map(base + "\"hook_event_name\":\"PreCompact\"}").path("type").asText()).isEqualTo("pre_compact");
        assertThat(map(base + "\"hook_event_name\":\"SessionEnd\"}").path("type").asText()).isEqualTo("session_end");
        assertThat(map(base + "\"hook_event_name\":\"Notification\",\"message\":\"m\"}").path("type").asText())
                .isEqualTo("agent_response");
        assertThat(map(base + "\"hook_event_name\":\"FutureEvent\",\"message\":\"m\"}").path("content").asText())
                .isEqualTo("[FutureEvent] m");
    }

    @Test
    void map_missingSessionId_rejectedWithReason() {
        assertThatThrownBy(() -> map("{\"hook_event_name\":\"Stop\"}")).hasMessage("hook input has no session_id");
        assertThatThrownBy(() -> map("[1]")).hasMessage("hook input is not a JSON object");
    }
}
