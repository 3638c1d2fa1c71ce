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
}
