package dev.interlock.plugin.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The plugin SPI and the commands, called directly the way the launcher calls them. */
class MlsPluginTest {

    @TempDir
    Path dir;

    private final Scheduler scheduler = Scheduler.virtualThreads();

    @Test
    void moduleDescriptor_providesThePluginAndExportsOnlyTheApi() {
        java.lang.module.ModuleDescriptor d = MlsPlugin.class.getModule().getDescriptor();
        assertThat(d.name()).isEqualTo("dev.interlock.plugin.mls");
        assertThat(d.provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo(Plugin.class.getName());
            assertThat(p.providers()).containsExactly(MlsPlugin.class.getName());
        });
        assertThat(d.exports()).extracting(java.lang.module.ModuleDescriptor.Exports::source)
                .containsExactly("dev.interlock.plugin.mls");
        assertThat(new MlsPlugin().id()).isEqualTo("mls");
        assertThat(new MlsPlugin().commands()).extracting(PluginCommand::name)
                .containsExactly("ds", "identity", "group", "add", "send", "read", "chat");
    }

    @Test
    void start_withDsPort_servesHttpUntilStopped() throws Exception {
        MlsPlugin plugin = new MlsPlugin();
        plugin.start(context(Map.of("ds.port", "0")));
        try {
            assertThat(plugin.httpPort()).isPositive();
            HttpDeliveryClient client = new HttpDeliveryClient(
                    java.net.URI.create("http://127.0.0.1:" + plugin.httpPort()), scheduler, Duration.ofSeconds(1),
                    1 << 20);
            assertThat(client.keyPackageCount("anyone").toCompletableFuture().get(30, TimeUnit.SECONDS)).isZero();
        } finally {
            plugin.stop();
        }
        assertThat(plugin.httpPort()).isEqualTo(-1);
    }

    @Test
    void commands_dsIdentityGroupAddSendRead_twoUsersTalkThroughTheCli() throws Exception {
        PluginContext ctx = context(Map.of());
        PluginCommand ds = command("ds");
        PipedOutputStream dsStdin = new PipedOutputStream();
        PipedInputStream dsIn = new PipedInputStream(dsStdin);
        PipedInputStream dsOutRead = new PipedInputStream(64 * 1024);
        PrintStream dsOut = new PrintStream(new PipedOutputStream(dsOutRead), true, StandardCharsets.UTF_8);
        CompletableFuture<Integer> dsRc = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                dsRc.complete(ds.run(ctx, List.of("--port", "0"), new PluginCommand.Io(dsIn, dsOut, dsOut)));
            } catch (Exception e) {
                dsRc.completeExceptionally(e);
            }
        });
        String first = new java.io.BufferedReader(new java.io.InputStreamReader(dsOutRead, StandardCharsets.UTF_8))
                .readLine();
        Matcher m = Pattern.compile("listening on (http://\\S+)").matcher(first);
        assertThat(m.find()).as(first).isTrue();
        String url = m.group(1);
        try {
            assertThat(run(ctx, "identity", url, "alice")).contains("identity alice ready");
            assertThat(run(ctx, "identity", url, "bob")).contains("identity bob ready");
            String group = run(ctx, "group", url, "alice").trim();
            assertThat(group).matches("[0-9a-f]{32}");
            assertThat(run(ctx, "add", url, "alice", "--group", group, "--member", "bob")).contains("added bob");
            assertThat(run(ctx, "send", url, "alice", "--group", group, "hello", "from", "the", "cli"))
                    .contains("sent");
            String read = run(ctx, "read", url, "bob", "--wait", "PT0.5S");
            assertThat(read).contains("in group " + group).contains("[alice] hello from the cli");
            assertThat(run(ctx, "identity", url, "bob", "--help")).contains("--name");

            // chat: '/add' adds a member, other lines are sent; the new member's first read (which joins from the
            // Welcome) shows them. (A later one-shot read restores by external join and sees only newer messages.)
            assertThat(run(ctx, "identity", url, "carol")).contains("identity carol ready");
            ByteArrayOutputStream chatOut = new ByteArrayOutputStream();
            PrintStream chatPs = new PrintStream(chatOut, true, StandardCharsets.UTF_8);
            int rc = command("chat").run(ctx, List.of("--name", "alice", "--ds", url, "--group", group,
                    "--password-env", "INTERLOCK_TEST_UNSET_VARIABLE", "--kdf-memory", "256"),
                    new PluginCommand.Io(new ByteArrayInputStream(
                            "alice-password\n/add carol\nline one from chat\n/quit\n".getBytes(StandardCharsets.UTF_8)),
                            chatPs, chatPs));
            assertThat(rc).as(chatOut.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(chatOut.toString(StandardCharsets.UTF_8)).contains("added; epoch");
            assertThat(run(ctx, "read", url, "carol", "--wait", "PT0.5S")).contains("[alice] line one from chat");
        } finally {
            dsStdin.write("quit\n".getBytes(StandardCharsets.UTF_8));
            dsStdin.close();
        }
        assertThat(dsRc.get(30, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void clientCommand_wrongPassword_exitsNonZeroWithAClearMessage() throws Exception {
        PluginContext ctx = context(Map.of());
        // No delivery service is needed to find out that the password is wrong.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PluginCommand.Io io = new PluginCommand.Io(new ByteArrayInputStream("pw-one\n".getBytes()),
                new PrintStream(out, true), new PrintStream(out, true));
        Path vault = dir.resolve("carol.vault");
        Vault.create(vault, "pw-two".toCharArray(), Testbed.TEST_KDF).write("{}".getBytes());
        int rc = command("identity").run(ctx, List.of("--name", "carol", "--vault", vault.toString(),
                "--password-env", "INTERLOCK_TEST_UNSET_VARIABLE", "--ds", "http://127.0.0.1:9"), io);
        assertThat(rc).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("VAULT_WRONG_PASSWORD").doesNotContain("pw-one");
    }

    private String run(PluginContext ctx, String name, String url, String user, String... more) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        List<String> args = new java.util.ArrayList<>(List.of("--name", user, "--ds", url,
                "--password-env", "INTERLOCK_TEST_UNSET_VARIABLE", "--kdf-memory", "256"));
        args.addAll(List.of(more));
        int rc = command(name).run(ctx, args, new PluginCommand.Io(
                new ByteArrayInputStream((user + "-password\n").getBytes(StandardCharsets.UTF_8)), ps, ps));
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(rc).as("%s %s: %s", name, args, text).isZero();
        return text;
    }

    private static PluginCommand command(String name) {
        return new MlsPlugin().commands().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    private PluginContext context(Map<String, String> config) {
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        PluginConfig cfg = new PluginConfig() {
            @Override
            public Optional<String> get(String key) {
                return Optional.ofNullable(config.get(key));
            }

            @Override
            public int getInt(String key, int defaultValue) {
                return get(key).map(Integer::parseInt).orElse(defaultValue);
            }

            @Override
            public Duration getDuration(String key, Duration defaultValue) {
                return get(key).map(Duration::parse).orElse(defaultValue);
            }

            @Override
            public boolean getBoolean(String key, boolean defaultValue) {
                return get(key).map(Boolean::parseBoolean).orElse(defaultValue);
            }

            @Override
            public Set<String> keys() {
                return config.keySet();
            }

            @Override
            public Map<String, String> asMap() {
                return config;
            }
        };
        return new PluginContext() {
            @Override
            public String pluginId() {
                return "mls";
            }

            @Override
            public ConcurrencyGuard guard() {
                return guard;
            }

            @Override
            public Scheduler scheduler() {
                return scheduler;
            }

            @Override
            public PluginConfig config() {
                return cfg;
            }

            @Override
            public Path dataDirectory() {
                return dir;
            }

            @Override
            public System.Logger logger() {
                return System.getLogger("mls");
            }

            @Override
            public <T> T instance(Class<T> type) {
                throw new IllegalArgumentException("no binding for " + type + " in this test context");
            }
        };
    }

}
