package dev.interlock.plugin.telegram;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.VersionRange;
import dev.interlock.api.plugin.ApiVersion;
import dev.interlock.plugin.telegram.cli.DaemonCommand;
import dev.interlock.plugin.telegram.cli.StandaloneContext;
import dev.interlock.plugin.telegram.config.BridgeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The module descriptor, the Plugin SPI, the commands and the configuration. */
class PluginTest {

    @TempDir
    Path dir;

    @Test
    void descriptor_providesPluginWithIdAndCommands() {
        // the host's ServiceLoader finds providers through this declaration
        assertThat(TelegramBridgePlugin.class.getModule().getDescriptor().provides()).singleElement()
                .satisfies(p -> {
                    assertThat(p.service()).isEqualTo(Plugin.class.getName());
                    assertThat(p.providers()).containsExactly(TelegramBridgePlugin.class.getName());
                });
        Plugin plugin = new TelegramBridgePlugin();
        assertThat(plugin.id()).isEqualTo("telegram-bridge");
        assertThat(VersionRange.parse(plugin.requiredApi()).toString()).isNotEmpty();
        assertThat(ApiVersion.CURRENT.major()).isEqualTo(1);
        assertThat(plugin.commands()).extracting(PluginCommand::name).containsExactly("daemon", "hook");
    }

    @Test
    void moduleDescriptor_exportsNothingOpensOnlyCliToPicocli() {
        Module module = Plugin.class.getModule().getLayer() == null ? null
                : TelegramBridgePlugin.class.getModule();
        assertThat(module).isNotNull();
        assertThat(module.getName()).isEqualTo("dev.interlock.plugin.telegram");
        assertThat(module.getDescriptor().exports()).isEmpty();
        assertThat(module.getDescriptor().opens()).singleElement().satisfies(o -> {
            assertThat(o.source()).isEqualTo("dev.interlock.plugin.telegram.cli");
            assertThat(o.targets()).containsExactly("info.picocli");
        });
    }

    private static final String TOKEN = "55555:very-secret-token";

    @Test
    void config_tokenFileReadableByOthers_refusedWithoutRevealingToken() throws Exception {
        Path token = dir.resolve("token");
        Files.writeString(token, TOKEN);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> BridgeConfig.load(Map.of("chat-id", "-1", "token-file", token.toString()), Map.of()))
                .hasMessageContaining("is readable by others").hasMessageContaining("chmod 600")
                .hasMessageNotContaining(TOKEN);
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        BridgeConfig config = BridgeConfig.load(Map.of("chat-id", "-1", "token-file", token.toString()), Map.of());
        assertThat(config.token().reveal()).isEqualTo(TOKEN);
        assertThat(config.toString()).doesNotContain(TOKEN);
    }

    @Test
    void config_defaults_xdgPathsTelegramApiAndLimits() {
        BridgeConfig c = BridgeConfig.load(Map.of("chat-id", "-100"), Map.of("TELEGRAM_BOT_TOKEN", TOKEN,
                "XDG_RUNTIME_DIR", "/run/user/1000", "XDG_DATA_HOME", "/home/u/.data"));
        assertThat(c.socket()).isEqualTo(Path.of("/run/user/1000/interlock/telegram-bridge.sock"));
        assertThat(c.database()).isEqualTo(Path.of("/home/u/.data/interlock/telegram-bridge/bridge.db"));
        assertThat(c.apiBaseUrl().toString()).isEqualTo("https://api.telegram.org");
        assertThat(c.perChatPerMinute()).isEqualTo(20);
        assertThat(c.globalPerSecond()).isEqualTo(30);
        assertThat(c.approvalTimeout()).isEqualTo(Duration.ofMinutes(5));
        BridgeConfig noXdg = BridgeConfig.load(Map.of("chat-id", "-100"), Map.of("TELEGRAM_BOT_TOKEN", TOKEN,
                "HOME", "/home/u", "USER", "u"));
        assertThat(noXdg.database()).isEqualTo(Path.of("/home/u/.local/share/interlock/telegram-bridge/bridge.db"));
        assertThat(noXdg.socket().toString()).endsWith("interlock-u/telegram-bridge.sock");
    }

    @Test
    void config_badValues_allListedWithFixes() {
        assertThatThrownBy(() -> BridgeConfig.load(Map.of("chat-id", "abc", "api-base-url", "ftp://x",
                "max-line-bytes", "5", "approval-timeout", "soon"), Map.of()))
                .hasMessageContaining("chat-id 'abc' is not a number")
                .hasMessageContaining("api-base-url 'ftp://x' is not an http(s) URL")
                .hasMessageContaining("max-line-bytes 5 is out of range")
                .hasMessageContaining("approval-timeout 'soon' is not a duration")
                .hasMessageContaining("no bot token: environment variable TELEGRAM_BOT_TOKEN is not set");
    }

    @Test
    void daemonCommand_runsUntilInterrupted_thenStopsCleanly() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            Scheduler scheduler = bridge.scheduler;
            StandaloneContext context = StandaloneContext.of(scheduler, Map.of(), dir);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<String> args = List.of("--chat-id", Long.toString(TestBridge.CHAT), "--api-base-url",
                    bridge.settings.get("api-base-url"), "--socket", bridge.settings.get("socket"), "--db",
                    bridge.settings.get("db"), "--token-file", bridge.settings.get("token-file"),
                    "--set", "per-chat-interval=0ms");
            AtomicReference<Thread> runner = new AtomicReference<>();
            CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> {
                runner.set(Thread.currentThread());
                return new DaemonCommand(Map.of()).run(context, args, new PluginCommand.Io(
                        new ByteArrayInputStream(new byte[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(out, true, StandardCharsets.UTF_8)));
            }, Executors.newVirtualThreadPerTaskExecutor());
            TestBridge.await(() -> out.toString(StandardCharsets.UTF_8).contains("listening on"),
                    Duration.ofSeconds(20), () -> "daemon started: " + out);
            try (TestBridge.Client c = bridge.connect()) {
                assertThat(c.call(TestBridge.message("session_start", "cmd", "hello")).path("ok").asBoolean()).isTrue();
            }
            TestBridge.await(() -> bridge.delivered() >= 1, Duration.ofSeconds(20), () -> "delivered");
            runner.get().interrupt();
            assertThat(status.get()).isEqualTo(130);
            assertThat(Files.exists(bridge.socket())).isFalse();
        }
    }

    @Test
    void daemonCommand_missingChatId_exitOneWithReason() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new DaemonCommand(Map.of()).run(StandaloneContext.of(Scheduler.virtualThreads(), Map.of(), dir),
                List.of("--socket", dir.resolve("s.sock").toString()), new PluginCommand.Io(
                        new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("chat-id is not set");
    }

    @Test
    void commands_help_printUsage() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PluginCommand.Io io = new PluginCommand.Io(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(out, true, StandardCharsets.UTF_8));
        StandaloneContext context = StandaloneContext.of(Scheduler.virtualThreads(), Map.of(), dir);
        for (PluginCommand command : new TelegramBridgePlugin().commands()) {
            assertThat(command.run(context, List.of("--help"), io)).isZero();
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--chat-id").contains("--approval-tools");
    }

    @Test
    void pluginStart_autostart_runsDaemonUntilStop() throws Exception {
        try (TestBridge bridge = new TestBridge(dir)) {
            Map<String, String> settings = new java.util.HashMap<>(bridge.settings);
            settings.put("autostart", "true");
            TelegramBridgePlugin plugin = new TelegramBridgePlugin();
            plugin.start(StandaloneContext.of(bridge.scheduler, settings, dir));
            try (TestBridge.Client c = bridge.connect()) {
                assertThat(c.call(TestBridge.message("session_start", "auto", "hi")).path("ok").asBoolean()).isTrue();
            }
            TestBridge.await(() -> bridge.delivered() >= 1, Duration.ofSeconds(20), () -> "delivered");
            plugin.stop();
            assertThat(Files.exists(bridge.socket())).isFalse();
        }
    }

    @Test
    void pluginStart_withoutAutostart_startsNothing() throws Exception {
        TelegramBridgePlugin plugin = new TelegramBridgePlugin();
        plugin.start(StandaloneContext.of(Scheduler.virtualThreads(), Map.of("socket",
                dir.resolve("x.sock").toString()), dir));
        assertThat(Files.exists(dir.resolve("x.sock"))).isFalse();
        plugin.stop();
    }

    @Test
    void emulatorMain_run_servesTheBotApiAndHidesToken() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var emulator = dev.interlock.plugin.telegram.emulator.EmulatorMain.run(0, "42:demo-secret",
                new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            var telegram = new dev.interlock.plugin.telegram.botapi.Telegram(
                    new dev.interlock.plugin.telegram.botapi.HttpBotApi(emulator.baseUrl(), "42:demo-secret",
                            Scheduler.virtualThreads(), Duration.ofSeconds(5)), Duration.ofSeconds(5));
            assertThat(telegram.createForumTopic(-1, "demo").toCompletableFuture().get()).isPositive();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains(emulator.baseUrl().toString())
                    .doesNotContain("demo-secret");
        } finally {
            emulator.close();
        }
    }
}
