package dev.interlock.runtime;

import dev.interlock.api.plugin.PluginCommand;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginHostTest {

    @TempDir
    Path tmp;

    Path plugins;
    Path data;
    Path config;
    Path events;

    @BeforeEach
    void dirs() throws IOException {
        plugins = Files.createDirectories(tmp.resolve("plugins"));
        data = tmp.resolve("data");
        config = Files.createDirectories(tmp.resolve("config"));
        events = tmp.resolve("events.log");
    }

    private PluginHost.Builder builder(String... eventIds) {
        PluginHost.Builder b = PluginHost.builder().pluginDirectory(plugins).dataRoot(data).configDirectory(config);
        for (String id : eventIds) {
            b.config(id, "events", events.toString());
        }
        return b;
    }

    private static Map<String, PluginStatus> byId(List<PluginStatus> statuses) {
        return statuses.stream().collect(Collectors.toMap(PluginStatus::id, Function.identity(), (a, b) -> a));
    }

    private List<String> events() throws IOException {
        return Files.exists(events) ? Files.readAllLines(events) : List.of();
    }

    private static String golden(String name) throws IOException {
        try (var in = PluginHostTest.class.getResourceAsStream("/golden/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    private static final class Capture {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PluginCommand.Io io = new PluginCommand.Io(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        String out() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void start_helloFromPluginFolder_injectedStartedAndStopped() throws Exception {
        Path folder = Fixtures.installHello(plugins);
        try (PluginHost host = builder().build()) {
            assertThat(host.plugins()).isEmpty();
            assertThat(host.discover()).containsExactly(
                    new PluginStatus("hello", "0.1.0", PluginState.RESOLVED, folder.toString(), ""));
            Path helloData = data.resolve("hello");
            assertThat(Files.getPosixFilePermissions(helloData)).isEqualTo(PosixFilePermissions.fromString("rwx------"));

            assertThat(host.start()).extracting(PluginStatus::state).containsExactly(PluginState.STARTED);
            assertThat(Files.readString(helloData.resolve("hello.state"))).startsWith("started ");

            Capture c = new Capture();
            assertThat(host.runCommand("hello", "greet", List.of("--name", "Ada"), c.io)).isZero();
            assertThat(c.out()).isEqualTo("Hello, Ada!" + System.lineSeparator());
            assertThat(Files.readString(helloData.resolve("greetings.log"))).endsWith(" #1 Ada\n");

            assertThat(host.stop()).extracting(PluginStatus::state).containsExactly(PluginState.STOPPED);
            assertThat(Files.readString(helloData.resolve("hello.state"))).startsWith("stopped ");
            assertThatThrownBy(host::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("build a new PluginHost");
        }
    }

    @Test
    void runCommand_configFileAndOverride_overrideWins() throws Exception {
        Fixtures.installHello(plugins);
        Files.writeString(config.resolve("hello.properties"), "greeting=Bonjour\nmax-name-length=5\n");
        Capture c = new Capture();
        try (PluginHost host = builder().build()) {
            assertThat(host.runCommand("hello", "greet", List.of("--name=Ada"), c.io)).isZero();
            assertThat(host.runCommand("hello", "greet", List.of("--name", "Adelheid"), c.io)).isEqualTo(2);
        }
        assertThat(c.out()).isEqualTo("Bonjour, Ada!" + System.lineSeparator());
        assertThat(c.err.toString(StandardCharsets.UTF_8)).contains("the limit is 5");
        Capture d = new Capture();
        try (PluginHost host = builder().config("hello", "greeting", "Hej").build()) {
            assertThat(host.runCommand("hello", "greet", List.of("--name=Ada"), d.io)).isZero();
        }
        assertThat(d.out()).isEqualTo("Hej, Ada!" + System.lineSeparator());
    }

    @Test
    void runCommand_unknownPluginOrCommand_namesWhatExists() throws Exception {
        Fixtures.installHello(plugins);
        Capture c = new Capture();
        try (PluginHost host = builder().build()) {
            assertThatThrownBy(() -> host.runCommand("nope", "greet", List.of(), c.io))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plugins found: [hello]");
            assertThatThrownBy(() -> host.runCommand("hello", "wave", List.of(), c.io))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("its commands: [greet]");
            assertThat(host.commands("hello")).extracting(PluginCommand::name).containsExactly("greet");
        }
    }

    @Test
    void start_dependencies_startInDependencyOrderAndStopInReverse() throws Exception {
        // mid -> alpha -> zeta: the order is by dependency, not by name or folder.
        Fixtures.install(plugins, "a-mid", "fixture.mid");
        Fixtures.install(plugins, "b-alpha", "fixture.alpha");
        Fixtures.install(plugins, "c-zeta", "fixture.zeta");
        try (PluginHost host = builder("mid", "alpha", "zeta").build()) {
            assertThat(host.start()).extracting(PluginStatus::state).containsOnly(PluginState.STARTED);
            host.stop();
            assertThat(host.plugins()).extracting(PluginStatus::state).containsOnly(PluginState.STOPPED);
        }
        assertThat(events()).containsExactly("start zeta", "start alpha", "start mid",
                "stop mid", "stop alpha", "stop zeta");
    }

    @Test
    void start_pluginThrowsInStart_failedWithReasonOthersRunAndDependentsNotStarted() throws Exception {
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "boom", "fixture.boom");
        Fixtures.install(plugins, "needs-boom", "fixture.needsboom");
        try (PluginHost host = builder("boom", "needs-boom").build()) {
            Map<String, PluginStatus> s = byId(host.start());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.STARTED);
            assertThat(s.get("boom").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("boom").reason())
                    .isEqualTo("start() threw java.lang.IllegalStateException: boom in start");
            assertThat(s.get("needs-boom").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("needs-boom").reason()).isEqualTo("plugin 'needs-boom' was not started because plugin"
                    + " 'boom', which it depends on, did not start. Fix: repair 'boom' first (see its reason).");
            host.stop();
            assertThat(byId(host.plugins()).get("hello").state()).isEqualTo(PluginState.STOPPED);
        }
        // stop() is not called for a plugin whose start failed
        assertThat(events()).containsExactly("start boom");
    }

    @Test
    void discover_missingRequirement_failedWithGoldenReason() throws Exception {
        Fixtures.installHello(plugins);
        Path folder = Fixtures.install(plugins, "needy", "fixture.needy");
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.RESOLVED);
            assertThat(s.get("needy").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("needy").source()).isEqualTo(folder.toString());
            assertThat(s.get("needy").reason().replace(folder.toString(), "${folder}"))
                    .isEqualTo(golden("missing-module.txt"));
        }
    }

    @Test
    void discover_folderCarriesPlatformModule_failedWithGoldenReason() throws Exception {
        Fixtures.installHello(plugins);
        Path folder = Fixtures.install(plugins, "dup", "fixture.zeta");
        Files.copy(Fixtures.platformJar("guice-"), folder.resolve("guice-7.0.0.jar"));
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.start());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.STARTED);
            assertThat(s.get("dup").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("dup").reason().replace(folder.toString(), "${folder}"))
                    .isEqualTo(golden("platform-module-copy.txt"));
        }
    }

    @Test
    void discover_folderCarriesPlatformApi_failedNamingTheModule() throws Exception {
        Path folder = Fixtures.install(plugins, "api-copy", "fixture.zeta");
        Files.copy(Fixtures.platformJar("platform-api"), folder.resolve("platform-api.jar"));
        try (PluginHost host = builder().build()) {
            PluginStatus s = byId(host.discover()).get("api-copy");
            assertThat(s.state()).isEqualTo(PluginState.FAILED);
            assertThat(s.reason()).contains("carries its own copy of platform module 'dev.interlock.api'")
                    .contains("plugin module 'fixture.zeta'").contains("Fix: delete " + folder.resolve("platform-api.jar"));
        }
    }

    @Test
    void discover_incompatibleApi_failedWithGoldenReason() throws Exception {
        Fixtures.installHello(plugins);
        Path folder = Fixtures.install(plugins, "future", "fixture.future");
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.RESOLVED);
            assertThat(s.get("future").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("future").version()).isEqualTo("1.2.3");
            assertThat(s.get("future").reason().replace(folder.toString(), "${folder}"))
                    .isEqualTo(golden("incompatible-api.txt"));
        }
    }

    @Test
    void stop_pluginHangsInStop_timeoutHonouredAndOthersStillStopped() throws Exception {
        // hang depends on zeta: stop order is hang (hangs, abandoned), then zeta, then hello.
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "hang", "fixture.hang");
        Fixtures.install(plugins, "zeta", "fixture.zeta");
        Fixtures.install(plugins, "stop-throws", "fixture.stopthrows");
        try (PluginHost host = builder("hang", "zeta").stopTimeout(Duration.ofMillis(300)).build()) {
            assertThat(host.start()).extracting(PluginStatus::state).containsOnly(PluginState.STARTED);
            long t0 = System.nanoTime();
            Map<String, PluginStatus> s = byId(host.stop());
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            assertThat(took).isLessThan(Duration.ofSeconds(5));
            assertThat(s.get("hang").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("hang").reason()).isEqualTo("stop() did not return within 300 ms; it was interrupted and"
                    + " abandoned. Fix: return from stop() promptly and run long work on the context's scheduler, or"
                    + " raise the host's stop timeout.");
            assertThat(s.get("stop-throws").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("stop-throws").reason()).isEqualTo("stop() threw java.io.IOException: disk gone");
            assertThat(s.get("zeta").state()).isEqualTo(PluginState.STOPPED);
            assertThat(s.get("hello").state()).isEqualTo(PluginState.STOPPED);
            assertThat(host.stop()).isEqualTo(host.plugins()); // idempotent
        }
        assertThat(events()).containsExactly("start zeta", "start hang", "stop hang", "stop zeta");
    }

    @Test
    void start_pluginHangsInStart_timeoutHonouredAndOthersStarted() throws Exception {
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "slow-start", "fixture.slowstart");
        try (PluginHost host = builder().startTimeout(Duration.ofMillis(300)).build()) {
            Map<String, PluginStatus> s = byId(host.start());
            assertThat(s.get("slow-start").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("slow-start").reason()).startsWith("start() did not return within 300 ms;");
            assertThat(s.get("hello").state()).isEqualTo(PluginState.STARTED);
        }
    }

    @Test
    void plugins_whileAStartHangs_snapshotReturnedWithoutBlocking() throws Exception {
        Fixtures.install(plugins, "closed", "fixture.closed");
        Fixtures.install(plugins, "slow-start", "fixture.slowstart");
        Fixtures.install(plugins, "zeta", "fixture.zeta");
        try (PluginHost host = builder("closed", "slow-start", "zeta").startTimeout(Duration.ofSeconds(20)).build()) {
            host.discover();
            Thread starter = Thread.ofVirtual().start(() -> {
                try {
                    host.start();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // Start order (no dependencies: by id): closed, slow-start, zeta. slow-start is now inside its start()
            // and the host's lock is held.
            while (!events().contains("start slow-start")) {
                Thread.onSpinWait();
            }
            Map<String, PluginStatus> s = byId(host.plugins());
            assertThat(s.get("closed").state()).isEqualTo(PluginState.STARTED);
            assertThat(s.get("slow-start").state()).isEqualTo(PluginState.RESOLVED);
            assertThat(s.get("zeta").state()).isEqualTo(PluginState.RESOLVED);
            starter.interrupt(); // the host stops waiting for slow-start, and starts nothing more
            starter.join();
            s = byId(host.stop());
            assertThat(s.get("slow-start").reason()).isEqualTo("start() was abandoned because the host was"
                    + " interrupted while waiting for it");
            assertThat(s.get("closed").state()).isEqualTo(PluginState.STOPPED);
            assertThat(s.get("zeta").state()).isEqualTo(PluginState.RESOLVED);
        }
    }

    @Test
    void discover_duplicateIds_allRefusedOthersRun() throws Exception {
        Fixtures.installHello(plugins);
        Path one = Fixtures.install(plugins, "twin-one", "fixture.twin1");
        Path two = Fixtures.install(plugins, "twin-two", "fixture.twin2");
        try (PluginHost host = builder().build()) {
            List<PluginStatus> statuses = host.start();
            List<PluginStatus> twins = statuses.stream().filter(s -> s.id().equals("twin")).toList();
            assertThat(twins).hasSize(2).allSatisfy(s -> {
                assertThat(s.state()).isEqualTo(PluginState.FAILED);
                assertThat(s.reason()).isEqualTo("plugin id 'twin' is provided more than once: by module"
                        + " 'fixture.twin1' (" + one + ") and by module 'fixture.twin2' (" + two + "); none of them is"
                        + " loaded. Fix: remove all but one of them.");
            });
            assertThat(byId(statuses).get("hello").state()).isEqualTo(PluginState.STARTED);
        }
    }

    @Test
    void discover_cycleAndUnknownDependency_failedWithReasons() throws Exception {
        Fixtures.install(plugins, "x", "fixture.cyclex");
        Fixtures.install(plugins, "y", "fixture.cycley");
        Fixtures.install(plugins, "behind", "fixture.behindcycle");
        Fixtures.install(plugins, "orphan", "fixture.orphan");
        Fixtures.install(plugins, "zeta", "fixture.zeta");
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("cycle-x").reason()).isEqualTo("plugin 'cycle-x' is part of a dependency cycle:"
                    + " cycle-x -> cycle-y -> cycle-x. Fix: remove one of these dependencies.");
            assertThat(s.get("cycle-y").reason()).isEqualTo("plugin 'cycle-y' is part of a dependency cycle:"
                    + " cycle-y -> cycle-x -> cycle-y. Fix: remove one of these dependencies.");
            assertThat(s.get("behind-cycle").reason()).isEqualTo("plugin 'behind-cycle' depends on plugin 'cycle-x',"
                    + " which FAILED. Fix: repair 'cycle-x' first (see its reason).");
            assertThat(s.get("orphan").reason()).isEqualTo("plugin 'orphan' depends on plugin 'nope', which is not"
                    + " installed. Fix: install 'nope' (in " + plugins + " or on the module path), or remove 'nope'"
                    + " from the dependencies() of 'orphan'.");
            assertThat(s.get("zeta").state()).isEqualTo(PluginState.RESOLVED);
        }
    }

    @Test
    void discover_malformedFolders_eachReportedOthersResolved() throws Exception {
        Fixtures.installHello(plugins);
        Files.createDirectories(plugins.resolve("empty"));
        Files.copy(Fixtures.jar("fixture.zeta"), plugins.resolve("loose.jar"));
        Path bad = Fixtures.install(plugins, "bad-id", "fixture.badid");
        Path libOnly = Files.createDirectories(plugins.resolve("lib-only"));
        Files.copy(Fixtures.jar("fixture.absent"), libOnly.resolve("fixture.absent.jar"));
        Files.createDirectories(plugins.resolve(".hidden"));
        Files.writeString(plugins.resolve("README.txt"), "not a plugin");
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.keySet()).containsExactlyInAnyOrder("hello", "empty", "loose", "bad-id", "lib-only");
            assertThat(s.get("hello").state()).isEqualTo(PluginState.RESOLVED);
            assertThat(s.get("empty").reason()).startsWith("plugin folder 'empty' (" + plugins.resolve("empty")
                    + ") contains no .jar file.");
            assertThat(s.get("loose").reason()).isEqualTo("'loose.jar' lies directly in the plugins directory "
                    + plugins + "; each plugin must be a folder of jars. Fix: move it to "
                    + plugins.resolve("loose/loose.jar") + ".");
            assertThat(s.get("bad-id").reason()).isEqualTo("plugin id 'Bad_Id' (module 'fixture.badid', " + bad
                    + ") is not valid: an id is 1 to 64 lower-case letters, digits and '-', starting with a letter or"
                    + " digit. Fix: change id() in fixture.badid.FixturePlugin.");
            assertThat(s.get("lib-only").reason()).contains("holds no module that provides dev.interlock.api.plugin.Plugin"
                    + " (modules found: fixture.absent)");
        }
    }

    @Test
    void discover_noPluginDirectory_emptyAndNotCreated() throws Exception {
        Path missing = tmp.resolve("no-such-dir");
        try (PluginHost host = PluginHost.builder().pluginDirectory(missing).dataRoot(data).build()) {
            assertThat(host.discover()).isEmpty();
            assertThat(host.start()).isEmpty();
        }
        assertThat(missing).doesNotExist();
    }

    @Test
    void discover_pluginDirectoryIsAFile_clearError() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        try (PluginHost host = PluginHost.builder().pluginDirectory(file).dataRoot(data).build()) {
            assertThatThrownBy(host::discover).isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageContaining("the plugins directory " + file + " is not a directory");
        }
    }

    @Test
    void discover_existingDataDirectoryTooOpen_narrowedTo0700() throws Exception {
        Fixtures.installHello(plugins);
        Path helloData = Files.createDirectories(data.resolve("hello"));
        Files.setPosixFilePermissions(helloData, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (PluginHost host = builder().build()) {
            host.discover();
        }
        assertThat(Files.getPosixFilePermissions(helloData)).isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }

    @Test
    void discover_dataDirectoryIsASymlink_failedOthersResolved() throws Exception {
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "zeta", "fixture.zeta");
        Files.createDirectories(data);
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(data.resolve("hello"), elsewhere);
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("hello").reason()).isEqualTo("plugin 'hello': its data directory " + data.resolve("hello")
                    + " could not be prepared: java.io.IOException: " + data.resolve("hello") + " is a symbolic link;"
                    + " a plugin's data directory must be a real directory. Fix: make " + data.resolve("hello")
                    + " a real directory this user can write (or choose another data root, e.g. with --data-dir).");
            assertThat(s.get("zeta").state()).isEqualTo(PluginState.RESOLVED);
        }
    }

    @Test
    void discover_malformedConfigFile_failedNamingTheFile() throws Exception {
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "zeta", "fixture.zeta");
        Path file = config.resolve("hello.properties");
        Files.writeString(file, "greeting=\\u12\n");
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("hello").reason()).startsWith("plugin 'hello': its configuration " + file
                    + " cannot be read: java.lang.IllegalArgumentException: ");
            assertThat(s.get("zeta").state()).isEqualTo(PluginState.RESOLVED);
        }
    }

    @Test
    void build_optionSetTwiceOrMissingOrUnknownProvider_failsEarly() {
        assertThatThrownBy(() -> PluginHost.builder().dataRoot(data).dataRoot(data))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataRoot was already set");
        assertThatThrownBy(() -> PluginHost.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("dataRoot is required");
        assertThatThrownBy(() -> PluginHost.builder().dataRoot(data).guardProvider("postgres").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'postgres'");
        assertThatThrownBy(() -> PluginHost.builder().stopTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stopTimeout must be positive");
        assertThatThrownBy(() -> PluginHost.builder().config("a", "k", "1").config("a", "k", "2"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("config 'k' of plugin 'a'");
    }
}
