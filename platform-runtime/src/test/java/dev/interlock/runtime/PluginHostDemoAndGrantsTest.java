package dev.interlock.runtime;

import dev.interlock.api.plugin.DemoResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link PluginHost#runDemo} and the manifest's Add-Exports / Add-Opens grants. */
class PluginHostDemoAndGrantsTest {

    private static final Duration BOUND = Duration.ofSeconds(20);

    @TempDir
    Path tmp;

    Path plugins;
    Path data;
    Path events;

    @BeforeEach
    void dirs() throws IOException {
        plugins = Files.createDirectories(tmp.resolve("plugins"));
        data = tmp.resolve("data");
        events = tmp.resolve("events.log");
    }

    private PluginHost.Builder builder(String... eventIds) {
        PluginHost.Builder b = PluginHost.builder().pluginDirectory(plugins).dataRoot(data);
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

    // --- demos ------------------------------------------------------------------------------------------------------

    @Test
    void runDemo_passingScenario_passWithInvariantsProgressAndPluginNotStarted() throws Exception {
        Fixtures.install(plugins, "demo-pass", "fixture.demopass");
        List<String> progress = new CopyOnWriteArrayList<>();
        try (PluginHost host = builder("demo-pass").build()) {
            host.discover();
            DemoReport r = host.runDemo("demo-pass", BOUND, progress::add);
            assertThat(r.outcome()).isEqualTo(DemoReport.Outcome.PASS);
            assertThat(r.description()).isEqualTo("fixture scenario of demo-pass");
            assertThat(r.ran()).isEqualTo("2 steps, 1 session");
            assertThat(r.invariants()).containsExactly(
                    new DemoResult.Invariant("topics per session", "1", true),
                    new DemoResult.Invariant("events lost", "0", true));
            assertThat(r.reason()).isEmpty();
            assertThat(r.elapsed()).isPositive().isLessThan(BOUND);
            assertThat(progress).containsExactly("running: fixture scenario of demo-pass", "step 1 of 2",
                    "step 2 of 2");
            assertThat(byId(host.plugins()).get("demo-pass").state()).isEqualTo(PluginState.RESOLVED);
            assertThat(events()).containsExactly("demo demo-pass");
        }
    }

    @Test
    void runDemo_violatedInvariant_failNamingIt() throws Exception {
        Fixtures.install(plugins, "demo-fail", "fixture.demofail");
        try (PluginHost host = builder().build()) {
            DemoReport r = host.runDemo("demo-fail", BOUND, line -> { });
            assertThat(r.outcome()).isEqualTo(DemoReport.Outcome.FAIL);
            assertThat(r.outcome().isFailure()).isTrue();
            assertThat(r.invariants()).extracting(DemoResult.Invariant::holds).containsExactly(true, false);
            assertThat(r.reason()).isEqualTo("violated: events lost: 2");
        }
    }

    @Test
    void runDemo_scenarioThrows_errorWithWhatItThrew() throws Exception {
        Fixtures.install(plugins, "demo-throws", "fixture.demothrows");
        try (PluginHost host = builder().build()) {
            DemoReport r = host.runDemo("demo-throws", BOUND, line -> { });
            assertThat(r.outcome()).isEqualTo(DemoReport.Outcome.ERROR);
            assertThat(r.reason()).isEqualTo("threw java.lang.IllegalStateException: peer vanished");
            assertThat(r.invariants()).isEmpty();
        }
    }

    @Test
    void runDemo_scenarioHangs_errorAfterTheBoundAndLateProgressDropped() throws Exception {
        Fixtures.install(plugins, "demo-hang", "fixture.demohang");
        List<String> progress = new CopyOnWriteArrayList<>();
        try (PluginHost host = builder().build()) {
            host.discover();
            DemoReport r = host.runDemo("demo-hang", Duration.ofMillis(300), progress::add);
            assertThat(r.outcome()).isEqualTo(DemoReport.Outcome.ERROR);
            assertThat(r.reason()).startsWith("timed out: did not finish within 300 ms");
            assertThat(r.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(progress).containsExactly("running: fixture scenario of demo-hang", "waiting forever");
        }
    }

    @Test
    void runDemo_noDemoFailedOrUnknownPlugin_reportedWithoutRunning() throws Exception {
        Fixtures.installHello(plugins);
        Fixtures.install(plugins, "future", "fixture.future");
        try (PluginHost host = builder().build()) {
            assertThat(host.runDemo("hello", BOUND, line -> { }).outcome()).isEqualTo(DemoReport.Outcome.NO_DEMO);
            DemoReport future = host.runDemo("future", BOUND, line -> { });
            assertThat(future.outcome()).isEqualTo(DemoReport.Outcome.FAILED_TO_LOAD);
            assertThat(future.reason()).contains("requires platform API [2.0,3.0)");
            assertThat(host.runDemo("nope", BOUND, line -> { }).reason()).isEqualTo("there is no plugin 'nope'");
            assertThatThrownBy(() -> host.runDemo("hello", Duration.ZERO, line -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
        }
    }

    // --- Add-Exports / Add-Opens --------------------------------------------------------------------------------------

    @Test
    void discover_manifestAddExportsAndAddOpens_grantedToTheAskingModuleAndPluginStarts() throws Exception {
        Fixtures.install(plugins, "exports-user", Fixtures.HIDDEN_LIB);
        Fixtures.installWithManifest(plugins, "exports-user", "fixture.exportsuser", Fixtures.HIDDEN_LIB_GRANTS);
        try (PluginHost host = builder("exports-user").build()) {
            PluginStatus s = byId(host.start()).get("exports-user");
            assertThat(s.state()).as(s.reason()).isEqualTo(PluginState.STARTED);
            assertThat(events()).containsExactly("start exports-user", "used secret and boxed exports-user");
        }
    }

    @Test
    void discover_withoutManifestGrants_startFailsWithAccessError() throws Exception {
        Fixtures.install(plugins, "exports-user", Fixtures.HIDDEN_LIB);
        Fixtures.install(plugins, "exports-user", "fixture.exportsuser");
        try (PluginHost host = builder("exports-user").build()) {
            PluginStatus s = byId(host.start()).get("exports-user");
            assertThat(s.state()).isEqualTo(PluginState.FAILED);
            assertThat(s.reason()).startsWith("start() threw java.lang.IllegalAccessError")
                    .contains("fixture.hiddenlib.secret");
        }
    }

    @Test
    void discover_onlyAddExports_reflectiveAccessStillRefused() throws Exception {
        Fixtures.install(plugins, "exports-user", Fixtures.HIDDEN_LIB);
        Fixtures.installWithManifest(plugins, "exports-user", "fixture.exportsuser",
                Map.of("Add-Exports", "fixture.hiddenlib/fixture.hiddenlib.secret"));
        try (PluginHost host = builder("exports-user").build()) {
            PluginStatus s = byId(host.start()).get("exports-user");
            assertThat(s.state()).isEqualTo(PluginState.FAILED);
            assertThat(s.reason()).startsWith("start() threw java.lang.reflect.InaccessibleObjectException");
        }
    }

    @Test
    void discover_manifestNamesPlatformModule_failedNamingJarAttributeModuleAndFix() throws Exception {
        Fixtures.installHello(plugins);
        Path folder = Fixtures.installWithManifest(plugins, "grabby", "fixture.zeta",
                Map.of("Add-Opens", "java.base/java.lang"));
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.start());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.STARTED);
            assertThat(s.get("grabby").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("grabby").reason()).isEqualTo("plugin folder 'grabby' (" + folder
                    + ", plugin module 'fixture.zeta'): the manifest of fixture.zeta.jar asks for 'Add-Opens:"
                    + " java.base/java.lang', but 'java.base' is a platform module (in the platform's boot layer or the"
                    + " JDK), and a platform module cannot be exported or opened to a plugin at run time; the host"
                    + " grants Add-Exports and Add-Opens only for modules in the plugin's own folder. Fix: remove"
                    + " 'java.base/java.lang' from the Add-Opens attribute of fixture.zeta.jar's manifest and use only"
                    + " what 'java.base' exports.");
        }
    }

    @Test
    void discover_manifestNamesBootLayerLibrary_failed() throws Exception {
        Fixtures.installWithManifest(plugins, "grabby", "fixture.zeta",
                Map.of("Add-Exports", "com.google.guice/com.google.inject.internal"));
        try (PluginHost host = builder().build()) {
            PluginStatus s = byId(host.discover()).get("grabby");
            assertThat(s.state()).isEqualTo(PluginState.FAILED);
            assertThat(s.reason()).contains("'com.google.guice' is a platform module");
        }
    }

    @Test
    void discover_malformedUnknownModuleOrPackage_eachFailedWithFix() throws Exception {
        Fixtures.installWithManifest(plugins, "malformed", "fixture.zeta",
                Map.of("Add-Exports", "fixture.zeta/fixture.zeta nonsense"));
        Fixtures.installWithManifest(plugins, "no-module", "fixture.alpha",
                Map.of("Add-Exports", "org.example.absent/org.example.absent"));
        Fixtures.install(plugins, "no-package", Fixtures.HIDDEN_LIB);
        Fixtures.installWithManifest(plugins, "no-package", "fixture.exportsuser",
                Map.of("Add-Opens", "fixture.hiddenlib/fixture.hiddenlib.nothere"));
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("malformed").reason()).contains("has 'nonsense' in its Add-Exports attribute, which is"
                    + " not of the form <module>/<package>");
            assertThat(s.get("no-module").reason()).contains("but module 'org.example.absent' is not in the folder."
                    + " Fix: copy the jar of module 'org.example.absent' into");
            assertThat(s.get("no-package").reason()).contains("but module 'fixture.hiddenlib' has no package"
                    + " 'fixture.hiddenlib.nothere'. Fix: correct the package name in the Add-Opens attribute of"
                    + " fixture.exportsuser.jar's manifest.");
            assertThat(s.values()).allMatch(PluginStatus::failed);
        }
    }

    @Test
    void discover_nativeAccessOnHostWithoutIt_failedNamingTheFlag() throws Exception {
        // this test JVM runs without --enable-native-access=dev.interlock.runtime (the launcher passes it: see
        // LauncherProcessTest.demo_nativeAccessPlugin_grantedByManifestAndNoWarning)
        Fixtures.installHello(plugins);
        Path folder = Fixtures.installWithManifest(plugins, "native-user", "fixture.nativeuser",
                Map.of("Enable-Native-Access", "fixture.nativeuser"));
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.start());
            assertThat(s.get("hello").state()).isEqualTo(PluginState.STARTED);
            assertThat(s.get("native-user").state()).isEqualTo(PluginState.FAILED);
            assertThat(s.get("native-user").reason()).isEqualTo("plugin folder 'native-user' (" + folder
                    + ", plugin module 'fixture.nativeuser'): its manifest asks for native access for"
                    + " [fixture.nativeuser], but the host module 'dev.interlock.runtime' has no native access itself,"
                    + " so it cannot grant any. Fix: start the JVM with '--enable-native-access=dev.interlock.runtime'"
                    + " (bin/interlock does).");
        }
    }

    @Test
    void discover_nativeAccessForModuleOutsideFolder_failedWithFix() throws Exception {
        Fixtures.installWithManifest(plugins, "native-jdk", "fixture.zeta",
                Map.of("Enable-Native-Access", "java.base"));
        Fixtures.installWithManifest(plugins, "native-absent", "fixture.alpha",
                Map.of("Enable-Native-Access", "org.example.absent"));
        try (PluginHost host = builder().build()) {
            Map<String, PluginStatus> s = byId(host.discover());
            assertThat(s.get("native-jdk").reason()).contains("asks for 'Enable-Native-Access: java.base', but"
                    + " 'java.base' is a platform module, whose native access only the JVM command line can enable.");
            assertThat(s.get("native-absent").reason()).contains("but module 'org.example.absent' is not in the"
                    + " folder. Fix: copy its jar into");
            assertThat(s.values()).allMatch(PluginStatus::failed);
        }
    }
}
