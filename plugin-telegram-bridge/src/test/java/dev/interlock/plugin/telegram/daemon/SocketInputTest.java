package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.plugin.telegram.TestBridge;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static dev.interlock.plugin.telegram.TestBridge.await;
import static dev.interlock.plugin.telegram.TestBridge.message;
import static dev.interlock.plugin.telegram.daemon.TopicPerSessionTest.contentOf;
import static dev.interlock.plugin.telegram.daemon.TopicPerSessionTest.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The socket: bad input rejected with a reason while everything else carries on; limits; permissions; lock. */
@Timeout(60)
class SocketInputTest {

    @TempDir
    Path dir;

    @Test
    void badLines_rejectedWithLoggedReason_connectionAndOtherSessionsCarryOn() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.settings.put("max-line-bytes", "1024");
            bridge.start();
            try (TestBridge.Client other = bridge.connect(); TestBridge.Client c = bridge.connect()) {
                assertThat(other.call(message("agent_response", "good", "Message 0")).path("ok").asBoolean()).isTrue();

                JsonNode notJson = call(c, "this is not json");
                assertThat(notJson.path("ok").asBoolean()).isFalse();
                assertThat(notJson.path("error").asText()).startsWith("not JSON");

                JsonNode unknown = c.call(message("telepathy", "s1", "x"));
                assertThat(unknown.path("error").asText()).startsWith("unknown type 'telepathy'")
                        .contains("session_start");

                JsonNode noSession = c.call(message("agent_response", "", "x"));
                assertThat(noSession.path("error").asText()).startsWith("missing 'sessionId'");

                JsonNode array = call(c, "[1,2,3]");
                assertThat(array.path("error").asText()).startsWith("not a JSON object");

                JsonNode longLine = call(c, "{\"type\":\"agent_response\",\"sessionId\":\"s1\",\"content\":\""
                        + "x".repeat(5000) + "\"}");
                assertThat(longLine.path("error").asText()).contains("exceeds the limit of 1024 bytes");

                assertThat(c.call(message("agent_response", "good", "Message 1")).path("ok").asBoolean())
                        .as("the same connection carries on").isTrue();
            }
            try (TestBridge.Client half = bridge.connect()) {
                half.sendRaw("{\"type\":\"agent_response\",\"sessionId\":\"half\",\"content\":\"never fini"
                        .getBytes(StandardCharsets.UTF_8));
            }
            try (TestBridge.Client c = bridge.connect()) {
                assertThat(c.call(message("agent_response", "good", "Message 2")).path("ok").asBoolean()).isTrue();
            }
            await(() -> numbered(contentOf(bridge), "Message ").size() == 3, Duration.ofSeconds(20),
                    () -> "the good messages");
            assertThat(numbered(contentOf(bridge), "Message ")).containsExactly("0", "1", "2");
            assertThat(bridge.topics()).hasSize(1);
            await(() -> bridge.log.all().contains("closed in the middle of a line"), Duration.ofSeconds(10),
                    () -> "the half line logged");
            assertThat(bridge.log.messages(Level.WARNING)).anyMatch(m -> m.contains("rejected a line: not JSON"))
                    .anyMatch(m -> m.contains("unknown type 'telepathy'"))
                    .anyMatch(m -> m.contains("missing 'sessionId'"))
                    .anyMatch(m -> m.contains("exceeds the limit of 1024 bytes"))
                    .anyMatch(m -> m.contains("bytes without a newline were discarded"));
            assertThat(bridge.daemon.rejectedLines()).isEqualTo(5);
        }
    }

    private static JsonNode call(TestBridge.Client c, String raw) throws IOException {
        c.sendRaw((raw + "\n").getBytes(StandardCharsets.UTF_8));
        return c.readAnswer();
    }

    @Test
    void connectionLimit_oneMore_refusedWithReasonOthersServed() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.settings.put("max-connections", "2");
            bridge.start();
            try (TestBridge.Client a = bridge.connect(); TestBridge.Client b = bridge.connect()) {
                assertThat(a.call(message("agent_response", "s", "Message 0")).path("ok").asBoolean()).isTrue();
                assertThat(b.call(message("agent_response", "s", "Message 1")).path("ok").asBoolean()).isTrue();
                try (TestBridge.Client c = bridge.connect()) {
                    JsonNode refused = c.readAnswer();
                    assertThat(refused.path("error").asText()).startsWith("too many connections (limit 2)");
                }
                assertThat(a.call(message("agent_response", "s", "Message 2")).path("ok").asBoolean()).isTrue();
            }
        }
    }

    @Test
    void socketAndStore_createdOwnerOnly_secondDaemonOnSameSocketRefused() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            Path socket = bridge.socket();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
                    .isEqualTo("rwx------");
            Path db = Path.of(bridge.settings.get("db"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
            try (TestBridge.Client c = bridge.connect()) {
                c.call(message("agent_response", "s", "x"));
            }
            Path wal = Path.of(db + "-wal");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(wal))).isEqualTo("rw-------");

            TestBridge second = new TestBridge(dir.resolve("b").toFile().mkdirs() ? dir.resolve("b") : dir);
            second.settings.put("socket", socket.toString());
            assertThatThrownBy(second::start).hasMessageContaining("another telegram-bridge daemon is running on "
                    + socket);
            second.close();
            try (TestBridge.Client c = bridge.connect()) {
                assertThat(c.call(message("agent_response", "s", "still served")).path("ok").asBoolean()).isTrue();
            }
        }
    }
}
