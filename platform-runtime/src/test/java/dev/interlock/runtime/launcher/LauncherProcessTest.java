package dev.interlock.runtime.launcher;

import dev.interlock.runtime.Fixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the packaged launcher ({@code target/interlock/bin/interlock}) as a separate process, the way a user does.
 * Runs in the integration-test phase, after the layout has been assembled.
 */
class LauncherProcessTest {

    private static final Path LAYOUT = Path.of(System.getProperty("interlock.test.layout", "target/interlock"))
            .toAbsolutePath();
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    Path tmp;

    private record Result(int exit, String out, String err) {
    }

    @BeforeEach
    void layoutExists() {
        assertThat(LAYOUT.resolve("bin/interlock")).isExecutable();
        assertThat(LAYOUT.resolve("plugins/hello")).isDirectory();
    }

    private ProcessBuilder builder(List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("INTERLOCK_") || k.startsWith("XDG_"));
        env.put("XDG_DATA_HOME", tmp.resolve("data").toString());
        env.put("XDG_CONFIG_HOME", tmp.resolve("config").toString());
        env.put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    private Result interlock(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(LAYOUT.resolve("bin/interlock").toString());
        command.addAll(List.of(args));
        return run(builder(command));
    }

    private static Result run(ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile("interlock-out", ".txt");
        Path err = Files.createTempFile("interlock-err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("exited in time").isTrue();
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Test
    void plugins_packagedLayout_helloResolvedAndNoJvmWarnings() throws Exception {
        Result r = interlock("plugins");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("ID     VERSION  STATE     SOURCE")
                .contains("hello  0.1.0    RESOLVED  " + LAYOUT.resolve("plugins/hello").toRealPath());
        assertThat(r.err()).isEmpty();
    }

    @Test
    void help_everyLevel() throws Exception {
        Result top = interlock("--help");
        assertThat(top.exit()).isZero();
        assertThat(top.out()).contains("Usage: interlock").contains("  plugins  ").contains("  run  ")
                .contains("  hello    Greets people");
        Result plugin = interlock("hello", "--help");
        assertThat(plugin.exit()).isZero();
        assertThat(plugin.out()).contains("Usage: interlock hello").contains("greet  Print a greeting");
        Result command = interlock("hello", "greet", "--help");
        assertThat(command.exit()).isZero();
        assertThat(command.out()).contains("Usage: interlock hello greet --name <name>");
        assertThat(interlock("run", "--help").out()).contains("Usage: interlock run");
        assertThat(top.err() + plugin.err() + command.err()).isEmpty();
    }

    @Test
    void pluginCommand_greet_printsAndJournals() throws Exception {
        Result r = interlock("hello", "greet", "--name", "Ada");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("Hello, Ada!\n");
        assertThat(r.err()).isEmpty();
        assertThat(Files.readString(tmp.resolve("data/interlock/hello/greetings.log"))).endsWith(" #1 Ada\n");
    }

    @Test
    void run_sigterm_stopsPluginsGracefullyAndExits0() throws Exception {
        Path out = tmp.resolve("run-out.txt");
        Path err = tmp.resolve("run-err.txt");
        ProcessBuilder pb = builder(List.of(LAYOUT.resolve("bin/interlock").toString(), "run"))
                .redirectError(err.toFile());
        Process p = pb.start();
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("read failed: " + e);
            }
        });
        try {
            List<String> seen = new ArrayList<>();
            while (true) {
                String line = lines.poll(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                assertThat(line).as("output so far: %s", seen).isNotNull();
                seen.add(line);
                if (line.startsWith("interlock: 1 plugin(s) running")) {
                    break;
                }
            }
            assertThat(seen).anyMatch(l -> l.startsWith("hello  0.1.0    STARTED"));
            Path state = tmp.resolve("data/interlock/hello/hello.state");
            assertThat(Files.readString(state)).startsWith("started ");

            p.toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of its stdout)
            assertThat(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
            reader.join();
            lines.drainTo(seen);
            Files.write(out, seen);
            assertThat(p.exitValue()).as("exit status; output: %s", seen).isZero();
            assertThat(seen).contains("interlock: stopping", "interlock: stopped")
                    .anyMatch(l -> l.startsWith("hello  0.1.0    STOPPED"));
            assertThat(Files.readString(state)).startsWith("stopped ");
            assertThat(Files.readAllLines(err)).allMatch(l -> l.startsWith("INFO "), "only INFO log lines");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void script_noJdk25Anywhere_stopsWithMessageExit1() throws Exception {
        ProcessBuilder pb = builder(List.of(LAYOUT.resolve("bin/interlock").toString(), "plugins"));
        pb.environment().remove("JAVA_HOME");
        pb.environment().put("INTERLOCK_JDK_DIRS", tmp.resolve("no-jdks").toString());
        Result r = run(pb);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).startsWith("interlock needs a Java runtime 25 or newer, and none was found.")
                .contains("Fix: install a JDK 25");
    }

    @Test
    void script_javaHomeIsAnOlderJdk_findsJdk25Beside() throws Exception {
        Path jdk25 = Path.of(System.getProperty("java.home"));
        Path jdks = Files.createDirectories(tmp.resolve("jdks"));
        Files.createSymbolicLink(jdks.resolve("jdk-25"), jdk25);
        Path old = Files.createDirectories(tmp.resolve("old-jdk/bin"));
        Files.writeString(old.getParent().resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        ProcessBuilder pb = builder(List.of(LAYOUT.resolve("bin/interlock").toString(), "--version"));
        pb.environment().put("JAVA_HOME", old.getParent().toString());
        pb.environment().put("INTERLOCK_JDK_DIRS", jdks.toString());
        Result r = run(pb);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("interlock ").contains("(platform API 1.0, Java 25");
    }

    @Test
    void modulePath_pluginWithoutOpens_failedWithOpensFixWhileOpenedOneResolves() throws Exception {
        Path hello = Files.list(LAYOUT.resolve("plugins/hello")).findFirst().orElseThrow();
        Path opened = Fixtures.jar("fixture.opened");
        String modulePath = String.join(java.io.File.pathSeparator, LAYOUT.resolve("lib").toString(),
                hello.toString(), opened.toString());
        Path emptyPlugins = Files.createDirectories(tmp.resolve("no-plugins"));
        Result r = run(builder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "--add-modules", "ALL-DEFAULT,ALL-MODULE-PATH",
                "--module-path", modulePath,
                "-m", "dev.interlock.runtime/dev.interlock.runtime.launcher.InterlockLauncher",
                "--plugin-dir", emptyPlugins.toString(), "plugins")));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("opened  1.2.3    RESOLVED  module-path");
        assertThat(r.out()).contains("hello   0.1.0    FAILED    module-path  plugin 'hello' (module"
                + " 'dev.interlock.example.hello', on the module path) could not be injected because Guice has no"
                + " reflective access to its package dev.interlock.example.hello (")
                .contains("Fix: add 'opens dev.interlock.example.hello to com.google.guice;' (and the same for each"
                        + " package listed) to the module-info.java of 'dev.interlock.example.hello', or install the"
                        + " plugin as a folder in the plugins directory instead.");
    }
    @Test
    void demo_packagedLayout_helloHasNoDemoExit0() throws Exception {
        Result r = interlock("demo");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).startsWith("[hello] no demo\n\nPLUGIN  RESULT   TIME  RAN  CHECKED\n"
                + "hello   no demo  -     -\n")
                .contains("interlock demo: 0 PASS, 0 FAIL, 0 ERROR, 1 no demo, 0 FAILED to load; scenarios took 0.0 s;"
                        + " ok\n");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void demo_droppedInDemoPlugins_progressTableAndExitStatus() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("drop-in"));
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "demo-pass", "fixture.demopass");
        Result pass = interlock("--plugin-dir", plugins.toString(), "demo");
        assertThat(pass.exit()).as(pass.out() + pass.err()).isZero();
        assertThat(pass.out()).contains("[demo-pass] running: fixture scenario of demo-pass\n[demo-pass] step 1 of 2\n")
                .containsPattern("\ndemo-pass  PASS     \\d+\\.\\d s  2 steps, 1 session  topics per session: 1\n"
                        + " {47}events lost: 0\n")
                .contains("1 PASS, 0 FAIL, 0 ERROR, 1 no demo, 0 FAILED to load");
        assertThat(pass.err()).isEmpty();

        Fixtures.install(plugins, "demo-fail", "fixture.demofail");
        Result fail = interlock("--plugin-dir", plugins.toString(), "demo", "--only", "demo-fail,demo-pass");
        assertThat(fail.exit()).as(fail.out() + fail.err()).isEqualTo(1);
        assertThat(fail.out()).contains("[demo-fail] FAIL in ").contains("events lost: 2  (VIOLATED)")
                .contains("1 PASS, 1 FAIL, 0 ERROR, 0 no demo, 0 FAILED to load").doesNotContain("hello");
    }

    @Test
    void demo_nativeAccessPlugin_grantedByManifestAndNoWarning() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("native"));
        Fixtures.installWithManifest(plugins, "native-user", "fixture.nativeuser",
                java.util.Map.of("Enable-Native-Access", "fixture.nativeuser"));
        Fixtures.install(plugins, "no-native", "fixture.zeta");
        Result listed = interlock("--plugin-dir", plugins.toString(), "plugins", "--strict");
        assertThat(listed.exit()).as(listed.out() + listed.err()).isZero();
        assertThat(listed.out()).containsPattern("native-user +\\S+ +RESOLVED");
        assertThat(listed.err()).isEmpty();

        Result demo = interlock("--plugin-dir", plugins.toString(), "demo", "--only", "native-user");
        assertThat(demo.exit()).as(demo.out() + demo.err()).isZero();
        assertThat(demo.out()).contains("native access granted: true");
        assertThat(demo.err()).isEmpty();
    }
}
