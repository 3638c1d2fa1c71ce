package dev.interlock.runtime.launcher;

import dev.interlock.runtime.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The launcher in this JVM (the packaged script is tested by LauncherProcessTest). */
class InterlockLauncherTest {

    @TempDir
    Path tmp;

    Path plugins;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        plugins = Files.createDirectories(tmp.resolve("plugins"));
        Fixtures.installHello(plugins);
    }

    private int run(String... args) {
        InterlockLauncher.Environment env = new InterlockLauncher.Environment(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of("INTERLOCK_PLUGIN_DIR", plugins.toString(), "XDG_DATA_HOME", tmp.resolve("data").toString(),
                        "XDG_CONFIG_HOME", tmp.resolve("config").toString()),
                tmp.resolve("home"));
        return InterlockLauncher.execute(args, env);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plugins_helloInstalled_tableWithResolvedRow() {
        assertThat(run("plugins")).isZero();
        assertThat(out()).isEqualTo(String.format(
                "ID     VERSION  STATE     SOURCE%s  REASON%n"
                        + "hello  0.1.0    RESOLVED  %s%n", " ".repeat(plugins.resolve("hello").toString().length() - 6),
                plugins.resolve("hello")));
        assertThat(tmp.resolve("data/interlock/hello")).isDirectory();
    }

    @Test
    void plugins_failedPlugin_exit0ButStrictExit1() throws Exception {
        Fixtures.install(plugins, "future", "fixture.future");
        assertThat(run("plugins")).isZero();
        assertThat(out()).contains("future  1.2.3    FAILED").contains("requires platform API [2.0,3.0)");
        assertThat(run("plugins", "--strict")).isEqualTo(1);
    }

    @Test
    void globalOptionPluginDir_overridesEnvironment() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("other"));
        Fixtures.install(other, "zeta", "fixture.zeta");
        assertThat(run("--plugin-dir", other.toString(), "plugins")).isZero();
        assertThat(out()).contains("zeta ").doesNotContain("hello");
    }

    @Test
    void globalOptionPluginDir_valueNamedLikeACommand_isADirectory() {
        // a relative "demo" (or "plugins", "run") after --plugin-dir is the directory's name, not the command
        assertThat(run("--plugin-dir", "demo", "plugins")).isZero();
        assertThat(out()).startsWith("No plugins found (plugins directory: ")
                .contains(Path.of("demo").toAbsolutePath().toString());
    }

    @Test
    void help_topLevel_listsBuiltInAndPluginCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("Usage: interlock").contains("plugins").contains("run")
                .contains("hello    Greets people and keeps a journal of greetings");
    }

    @Test
    void help_pluginLevel_listsItsCommands() {
        assertThat(run("hello", "--help")).isZero();
        assertThat(out()).contains("Usage: interlock hello").contains("greet  Print a greeting and record it");
        assertThat(run("help", "run")).isZero();
        assertThat(out()).contains("Usage: interlock run");
    }

    @Test
    void pluginCommand_argsPassedVerbatimIncludingHelp() {
        assertThat(run("hello", "greet", "--name", "Ada")).isZero();
        assertThat(out()).isEqualTo("Hello, Ada!" + System.lineSeparator());
        assertThat(run("hello", "greet", "--help")).isZero();
        assertThat(out()).contains("Usage: interlock hello greet --name <name>");
        assertThat(run("hello", "greet", "--bogus")).isEqualTo(2);
        assertThat(err()).contains("hello greet: unknown argument '--bogus'");
    }

    @Test
    void usageErrors_exit2() {
        assertThat(run()).isEqualTo(2);
        assertThat(err()).contains("Usage: interlock");
        assertThat(run("no-such-command")).isEqualTo(2);
        assertThat(run("hello")).isEqualTo(2);
        assertThat(run("plugins", "--bogus")).isEqualTo(2);
    }

    @Test
    void failedPluginCommand_printsReasonExit1() throws Exception {
        Fixtures.install(plugins, "future", "fixture.future");
        assertThat(run("future", "anything")).isEqualTo(1);
        assertThat(err()).contains("interlock: plugin 'future' FAILED: plugin 'future' (module 'fixture.future'");
    }

    @Test
    void pluginDirIsAFile_builtInsFailWithMessage() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThat(run("--plugin-dir", file.toString(), "plugins")).isEqualTo(1);
        assertThat(err()).contains("interlock: cannot list the plugins directory " + file);
        assertThat(run("--plugin-dir", file.toString(), "--help")).isZero();
    }
    @Test
    void demo_passingAndNoDemo_progressTableExit0() throws Exception {
        Fixtures.install(plugins, "demo-pass", "fixture.demopass");
        assertThat(run("demo")).as(err()).isZero();
        String n = System.lineSeparator();
        assertThat(out()).startsWith("[demo-pass] running: fixture scenario of demo-pass" + n
                        + "[demo-pass] step 1 of 2" + n + "[demo-pass] step 2 of 2" + n + "[demo-pass] PASS in ")
                .contains("[hello] no demo" + n);
        String table = out().substring(out().indexOf("PLUGIN"));
        assertThat(table.replaceAll("\\d+\\.\\d s", "T.T s")).isEqualTo(
                "PLUGIN     RESULT   TIME   RAN                 CHECKED" + n
                        + "demo-pass  PASS     T.T s  2 steps, 1 session  topics per session: 1" + n
                        + "                                               events lost: 0" + n
                        + "hello      no demo  -      -" + n
                        + table.lines().toList().getLast().replaceAll("\\d+\\.\\d s", "T.T s") + n);
        assertThat(table.lines().toList().getLast()).startsWith("interlock demo: 1 PASS, 0 FAIL, 0 ERROR, 1 no demo,"
                + " 0 FAILED to load; scenarios took ").endsWith("; ok");
        assertThat(err()).isEmpty();
    }

    @Test
    void demo_violatedInvariantAndThrowingScenario_rowsWithReasonsExit1() throws Exception {
        Fixtures.install(plugins, "demo-fail", "fixture.demofail");
        Fixtures.install(plugins, "demo-throws", "fixture.demothrows");
        assertThat(run("demo")).isEqualTo(1);
        String n = System.lineSeparator();
        assertThat(out()).contains("[demo-fail] sending 3 events" + n + "[demo-fail] to 1 topic" + n
                        + "[demo-fail] FAIL in ")
                .contains(": violated: events lost: 2" + n)
                .contains("[demo-throws] ERROR in ").contains(": threw java.lang.IllegalStateException: peer vanished");
        List<String> table = out().substring(out().indexOf("PLUGIN")).lines().toList();
        assertThat(table.get(1)).matches("demo-fail    FAIL     \\d+\\.\\d s  3 events sent" + " ".repeat(20)
                + "topics per session: 1");
        assertThat(table.get(2)).isEqualTo(" ".repeat(62) + "events lost: 2  (VIOLATED)");
        assertThat(table.get(3)).matches("demo-throws  ERROR    \\d+\\.\\d s  fixture scenario of demo-throws  "
                + "threw java.lang.IllegalStateException: peer vanished");
        assertThat(table.getLast()).startsWith("interlock demo: 0 PASS, 1 FAIL, 1 ERROR, 1 no demo, 0 FAILED to load")
                .endsWith("; FAILED");
    }

    @Test
    void demo_pluginFailedToLoad_listedExit1() throws Exception {
        Fixtures.install(plugins, "future", "fixture.future");
        assertThat(run("demo")).isEqualTo(1);
        assertThat(out()).contains("[future] FAILED: plugin 'future' (module 'fixture.future'")
                .containsPattern("future  FAILED   -     -    plugin FAILED to load: plugin 'future'")
                .contains("0 PASS, 0 FAIL, 0 ERROR, 1 no demo, 1 FAILED to load");
    }

    @Test
    void demo_onlyAndTimeout_runsTheNamedOnesWithinTheBound() throws Exception {
        Fixtures.install(plugins, "demo-pass", "fixture.demopass");
        Fixtures.install(plugins, "demo-hang", "fixture.demohang");
        Fixtures.install(plugins, "future", "fixture.future");
        assertThat(run("demo", "--only", "demo-pass")).isZero();
        assertThat(out()).contains("demo-pass  PASS").doesNotContain("hello").doesNotContain("future");
        out.reset();
        assertThat(run("demo", "--only", "demo-hang,demo-pass", "--timeout", "1")).isEqualTo(1);
        assertThat(out()).contains("[demo-hang] waiting forever")
                .contains("[demo-hang] ERROR in ")
                .contains("timed out: did not finish within 1000 ms; it was interrupted and abandoned")
                .contains("demo-pass  PASS");
    }

    @Test
    void demo_usageErrors_exit2AndHelp() {
        assertThat(run("demo", "--only", "nope,hello")).isEqualTo(2);
        assertThat(err()).contains("--only names unknown plugin(s) nope; plugins found: hello");
        assertThat(run("demo", "--timeout", "0")).isEqualTo(2);
        assertThat(err()).contains("--timeout must be 1..3600 seconds, was 0");
        assertThat(run("demo", "--help")).isZero();
        assertThat(out()).contains("Usage: interlock demo").contains("--only=ID[,ID...]");
        assertThat(run("--help")).isZero();
        assertThat(out()).contains("  demo  ");
    }
}
