package dev.interlock.plugin.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.plugin.telegram.cli.HookCommand;
import dev.interlock.plugin.telegram.cli.StandaloneContext;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

import static dev.interlock.plugin.telegram.TestBridge.CHAT;
import static dev.interlock.plugin.telegram.TestBridge.await;
import static org.assertj.core.api.Assertions.assertThat;

/** The hook command against a running daemon, and approvals answered by buttons in the emulator. */
@Timeout(60)
class ApprovalAndHookTest {

    @TempDir
    Path dir;

    record Run(int status, String out, String err, Duration took) {
    }

    private static String preToolUse(String session, String tool) {
        return "{\"session_id\":\"" + session + "\",\"hook_event_name\":\"PreToolUse\",\"cwd\":\"/home/dev/proj\","
                + "\"tool_name\":\"" + tool + "\",\"tool_input\":{\"command\":\"rm -rf build\"}}";
    }

    private static Run hook(TestBridge bridge, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        StandaloneContext context = StandaloneContext.of(bridge.scheduler, Map.of(), bridge.dir);
        long start = System.nanoTime();
        int status = new HookCommand(Map.of()).run(context, List.of(args), new PluginCommand.Io(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static CompletableFuture<Run> hookAsync(TestBridge bridge, String stdin, String... args) {
        return CompletableFuture.supplyAsync(() -> hook(bridge, stdin, args),
                Executors.newVirtualThreadPerTaskExecutor());
    }

    private static BotApiEmulator.Message awaitButtons(TestBridge bridge, int nth) {
        await(() -> bridge.topics().stream().flatMap(t -> t.messages().stream())
                        .filter(BotApiEmulator.Message::hasKeyboard).count() >= nth, Duration.ofSeconds(20),
                () -> "approval message #" + nth + " with buttons");
        return bridge.topics().stream().flatMap(t -> t.messages().stream()).filter(BotApiEmulator.Message::hasKeyboard)
                .toList().get(nth - 1);
    }

    private static String callbackData(TestBridge bridge, long messageId, int row, int column) {
        JsonNode send = bridge.emulator.calls("sendMessage").stream()
                .filter(c -> c.status() == 200 && c.params().has("reply_markup")).toList().getLast().params();
        return send.path("reply_markup").path("inline_keyboard").path(row).path(column).path("callback_data").asText();
    }

    @Test
    void hook_daemonNotRunning_exitsZeroQuietlyAtOnce() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            Run run = hook(bridge, preToolUse("s1", "Bash"), "--socket", dir.resolve("nobody.sock").toString());
            assertThat(run.status()).isZero();
            assertThat(run.out()).isEmpty();
            assertThat(run.err()).isEmpty();
            assertThat(run.took()).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void hook_postToolUse_forwardedAndAcknowledgedWithoutOutput() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            Run run = hook(bridge, "{\"session_id\":\"s1\",\"hook_event_name\":\"PostToolUse\",\"tool_name\":\"Read\","
                    + "\"tool_response\":\"file contents here\"}", "--socket", bridge.socket().toString());
            assertThat(run.status()).isZero();
            assertThat(run.out()).isEmpty();
            await(() -> contentOf(bridge).contains("file contents here"), Duration.ofSeconds(20),
                    () -> "tool result delivered");
        }
    }

    @Test
    void hook_oversizedInput_notForwardedExitZero() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            Run run = hook(bridge, "x".repeat(HookCommand.MAX_INPUT + 1), "--socket", bridge.socket().toString());
            assertThat(run.status()).isZero();
            assertThat(run.err()).contains("exceeds " + HookCommand.MAX_INPUT + " bytes");
        }
    }

    @Test
    void approval_allowTapped_hookPrintsAllowSecondTapNoOpMessageEdited() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            CompletableFuture<Run> run = hookAsync(bridge, preToolUse("s1", "Bash"), "--socket",
                    bridge.socket().toString());
            BotApiEmulator.Message asked = awaitButtons(bridge, 1);
            assertThat(asked.text()).contains("Approval needed: Bash").contains("rm -rf build");
            String allow = callbackData(bridge, asked.messageId(), 0, 0);
            assertThat(allow.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(64);
            bridge.emulator.pressButton(CHAT, asked.messageId(), allow, 42, "alice");
            Run done = run.get();
            assertThat(done.status()).isZero();
            JsonNode decision = dev.interlock.plugin.telegram.botapi.BotApi.JSON.readTree(done.out());
            assertThat(decision.path("hookSpecificOutput").path("permissionDecision").asText()).isEqualTo("allow");
            assertThat(decision.path("hookSpecificOutput").path("permissionDecisionReason").asText())
                    .contains("@alice");

            String deny = callbackData(bridge, asked.messageId(), 0, 1);
            bridge.emulator.pressButton(CHAT, asked.messageId(), deny, 43, "bob");
            await(() -> bridge.emulator.calls("answerCallbackQuery").size() == 2, Duration.ofSeconds(20),
                    () -> "both taps answered");
            List<BotApiEmulator.Call> answers = bridge.emulator.calls("answerCallbackQuery");
            assertThat(answers.get(0).params().path("text").asText()).isEqualTo("Allowed");
            assertThat(answers.get(1).params().path("text").asText()).isEqualTo("Already decided: allow by @alice");
            await(() -> bridge.topics().getFirst().messages().stream()
                            .anyMatch(m -> m.messageId() == asked.messageId() && m.text().contains("Allowed by @alice at")),
                    Duration.ofSeconds(20), () -> "the message shows the decision");
            BotApiEmulator.Message edited = bridge.topics().getFirst().messages().stream()
                    .filter(m -> m.messageId() == asked.messageId()).findFirst().orElseThrow();
            assertThat(edited.hasKeyboard()).isFalse();
            assertThat(edited.text()).doesNotContain("Denied");
            await(() -> bridge.emulator.unconfirmedUpdates() == 0, Duration.ofSeconds(20),
                    () -> "updates confirmed after handling");
        }
    }

    @Test
    void approval_allowForSession_laterRequestsAllowedWithoutAsking() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            CompletableFuture<Run> run = hookAsync(bridge, preToolUse("s1", "Bash"), "--socket",
                    bridge.socket().toString());
            BotApiEmulator.Message asked = awaitButtons(bridge, 1);
            bridge.emulator.pressButton(CHAT, asked.messageId(), callbackData(bridge, asked.messageId(), 1, 0), 42,
                    "alice");
            assertThat(run.get().out()).contains("\"permissionDecision\":\"allow\"");
            Run second = hook(bridge, preToolUse("s1", "Write"), "--socket", bridge.socket().toString());
            assertThat(second.out()).contains("\"permissionDecision\":\"allow\"");
            await(() -> contentOf(bridge).contains("Auto-allowed (allowed for this session): Write"),
                    Duration.ofSeconds(20), () -> "auto-allow shown");
            assertThat(bridge.topics().stream().flatMap(t -> t.messages().stream())
                    .filter(BotApiEmulator.Message::hasKeyboard)).isEmpty();
        }
    }

    @Test
    void approval_denied_hookPrintsDeny() throws Exception {
        try (TestBridge bridge = new TestBridge(dir).start()) {
            CompletableFuture<Run> run = hookAsync(bridge, preToolUse("s1", "Bash"), "--socket",
                    bridge.socket().toString());
            BotApiEmulator.Message asked = awaitButtons(bridge, 1);
            bridge.emulator.pressButton(CHAT, asked.messageId(), callbackData(bridge, asked.messageId(), 0, 1), 7,
                    "carol");
            assertThat(run.get().out()).contains("\"permissionDecision\":\"deny\"").contains("@carol");
        }
    }

    @Test
    void approval_noTapInTime_hookPrintsAskAndMessageSaysSo() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.settings.put("approval-timeout", "1s");
            bridge.start();
            Run run = hook(bridge, preToolUse("s1", "Bash"), "--socket", bridge.socket().toString());
            assertThat(run.out()).contains("\"permissionDecision\":\"ask\"");
            await(() -> contentOf(bridge).contains("No answer in time: asked in the terminal"),
                    Duration.ofSeconds(20), () -> "expiry shown");
        }
    }

    @Test
    void approval_daemonRestartedWhileWaiting_hookGetsAskAndNewDaemonExpiresTheRequest() throws Exception {
        TestBridge bridge = new TestBridge(dir).start();
        try {
            CompletableFuture<Run> run = hookAsync(bridge, preToolUse("s1", "Bash"), "--socket",
                    bridge.socket().toString());
            BotApiEmulator.Message asked = awaitButtons(bridge, 1);
            bridge.daemon.close();
            assertThat(run.get().out()).contains("\"permissionDecision\":\"ask\"");
            bridge.start();
            await(() -> contentOf(bridge).contains("No answer in time: asked in the terminal"), Duration.ofSeconds(20),
                    () -> "the left-over request expired by the new daemon");
            bridge.emulator.pressButton(CHAT, asked.messageId(), callbackData(bridge, asked.messageId(), 0, 0), 1,
                    "late");
            await(() -> bridge.emulator.calls("answerCallbackQuery").size() == 1, Duration.ofSeconds(20),
                    () -> "late tap answered");
            assertThat(bridge.emulator.calls("answerCallbackQuery").getFirst().params().path("text").asText())
                    .isEqualTo("Already decided: expired by daemon restart");
        } finally {
            bridge.close();
        }
    }

    private static String contentOf(TestBridge bridge) {
        StringBuilder b = new StringBuilder();
        bridge.topics().forEach(t -> t.messages().forEach(m -> b.append(m.text()).append('\n')));
        return b.toString();
    }
}
