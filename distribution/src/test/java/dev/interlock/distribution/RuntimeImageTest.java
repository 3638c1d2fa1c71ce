package dev.interlock.distribution;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
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
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the jlink image's own {@code bin/interlock} (built in the package phase) as an operator would: listing, help,
 * a drop-in plugin built outside the image, a broken drop-in, and {@code run} stopped by SIGTERM.
 *
 * <p>Every process gets its own XDG data and config directories, and none of the variables that would make the JVM
 * print on stderr by itself ({@code JAVA_TOOL_OPTIONS}, {@code JDK_JAVA_OPTIONS}), so "no warnings" is the image's
 * own behaviour.
 */
class RuntimeImageTest {

    private static final Path IMAGE = Path.of(System.getProperty("interlock.test.image", "target/interlock"));
    private static final Path HELLO = Path.of(System.getProperty("interlock.test.dropins", "target/dropins"))
            .resolve("hello");
    private static final long PROCESS_TIMEOUT_SECONDS = 120;

    /** The plugin folders the build put into the image (from the pom's plugin dependencies). */
    private static List<String> bundled;

    @TempDir
    Path temp;

    @BeforeAll
    static void imageExists() throws IOException {
        assertThat(IMAGE.resolve("bin/interlock")).as("the image's launcher (built by the package phase)")
                .isExecutable();
        assertThat(IMAGE.resolve("bin/java")).isExecutable();
        try (Stream<Path> folders = Files.list(IMAGE.resolve("plugins"))) {
            bundled = folders.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(bundled).as("first-party plugin folders in the image").isNotEmpty()
                .doesNotContain("hello"); // the example is a drop-in, not part of the image
    }

    @Test
    void plugins_freshImage_everyBundledPluginResolvedFromItsOwnFolder() throws Exception {
        Result r = run(IMAGE, "plugins");

        assertThat(r.exit()).as(r.toString()).isZero();
        Map<String, Row> rows = table(r.out());
        assertThat(rows.keySet()).as(r.toString()).hasSize(bundled.size());
        for (String folder : bundled) {
            Row row = bySource(rows, IMAGE.resolve("plugins").resolve(folder));
            assertThat(row.state()).as("%s in %s", folder, r).isEqualTo("RESOLVED");
        }
        assertNoWarnings(r);
    }

    @Test
    void modules_image_platformAndLibrariesLinkedExplicitlyPluginLibrariesNot() throws Exception {
        Result list = java("--list-modules");
        assertThat(list.exit()).as(list.toString()).isZero();
        List<String> modules = list.out().lines().map(l -> l.replaceFirst("@.*", "")).toList();
        assertThat(modules).contains("dev.interlock.runtime", "dev.interlock.api", "com.google.guice", "aopalliance",
                "com.google.common", "com.google.common.util.concurrent.internal", "jakarta.inject",
                "com.github.benmanes.caffeine", "info.picocli", "jdk.unsupported", "java.net.http", "java.sql",
                "jdk.httpserver");
        assertThat(modules).as("plugins' own libraries live in their folders, not in the boot layer")
                .noneMatch(m -> m.startsWith("org.bouncycastle") || m.startsWith("com.fasterxml")
                        || m.startsWith("dev.interlock.plugin") || m.equals("dev.interlock.testkit"));

        // The descriptor moditect gave Guice: jdk.unsupported must be a real requirement (notes/build.md), or Guice
        // defines its generated classes in an unnamed module and field injection / AOP in plugin layers fail.
        Result guice = java("--describe-module", "com.google.guice");
        assertThat(guice.out()).as(guice.toString()).contains("requires jdk.unsupported\n")
                .doesNotContain("automatic").contains("requires com.google.common transitive");
    }

    @Test
    void aotCache_imageAndACopyOfIt_mappedWhenRequired() throws Exception {
        assertThat(IMAGE.resolve("lib/interlock.aot")).as("trained by the package phase").isNotEmptyFile();
        // -XX:AOTMode=on makes the JVM fail instead of silently running without the cache.
        for (Path image : List.of(IMAGE, dropInCopy())) {
            Result r = runWith(image, "-XX:AOTMode=on", "plugins");
            assertThat(r.exit()).as("the AOT cache of %s: %s", image, r).isZero();
            assertNoWarnings(r);
        }
    }

    private Result java(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(IMAGE.resolve("bin/java").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, "");
    }

    @Test
    void help_anyImage_printsUsageWithThePluginsCommandsAndExitsZero() throws Exception {
        Result r = run(IMAGE, "--help");

        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(r.out()).contains("Usage: interlock", "plugins", "run", "$XDG_DATA_HOME/interlock",
                "$XDG_CONFIG_HOME/interlock");
        for (String id : table(run(IMAGE, "plugins").out()).keySet()) {
            assertThat(r.out()).as("the command of plugin %s", id).containsPattern("(?m)^\\s+" + id + "\\s");
        }
        assertNoWarnings(r);
    }

    @Test
    void plugins_helloAndBrokenDroppedIntoTheImage_helloResolvedBrokenFailedOthersFine() throws Exception {
        Path image = dropInCopy();

        Result r = run(image, "plugins");

        assertThat(r.exit()).as("FAILED plugins do not fail the listing: " + r).isZero();
        Map<String, Row> rows = table(r.out());
        assertThat(rows.keySet()).as(r.toString()).hasSize(bundled.size() + 2);
        assertThat(bySource(rows, image.resolve("plugins/hello")).state()).isEqualTo("RESOLVED");
        Row broken = bySource(rows, image.resolve("plugins/broken"));
        assertThat(broken.state()).isEqualTo("FAILED");
        assertThat(broken.reason()).as("names the folder").contains("broken");
        for (String folder : bundled) {
            assertThat(bySource(rows, image.resolve("plugins").resolve(folder)).state()).isEqualTo("RESOLVED");
        }
        assertNoWarnings(r);

        Result strict = run(image, "plugins", "--strict");
        assertThat(strict.exit()).as("--strict with a FAILED plugin: " + strict).isEqualTo(1);
    }

    @Test
    @Timeout(value = PROCESS_TIMEOUT_SECONDS * 2, unit = TimeUnit.SECONDS)
    void run_dropInsThenSigterm_startsAllButBrokenStopsInReverseAndExitsZero() throws Exception {
        Path image = dropInCopy();
        ProcessBuilder pb = builder(image, "run");
        Path err = temp.resolve("run.err");
        pb.redirectError(err.toFile());
        Process process = pb.start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("interlock: ") && line.contains("plugin(s) running")) {
                    break;
                }
            }
            assertThat(lines).as("start-up output; stderr: %s", Files.readString(err)).isNotEmpty()
                    .last().asString().contains("interlock: " + (bundled.size() + 1) + " plugin(s) running");
            Map<String, Row> started = table(String.join("\n", lines));
            for (String folder : bundled) {
                assertThat(bySource(started, image.resolve("plugins").resolve(folder)).state()).as(folder)
                        .isEqualTo("STARTED");
            }
            assertThat(bySource(started, image.resolve("plugins/hello")).state()).isEqualTo("STARTED");
            assertThat(bySource(started, image.resolve("plugins/broken")).state()).isEqualTo("FAILED");

            process.toHandle().destroy(); // SIGTERM (Process.destroy() would also close our end of the pipes)
            List<String> rest = new ArrayList<>();
            while ((line = out.readLine()) != null) {
                rest.add(line);
            }
            assertThat(process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)).isTrue();
            Result r = new Result(process.exitValue(), String.join("\n", lines) + "\n" + String.join("\n", rest),
                    Files.readString(err));
            assertThat(r.exit()).as("graceful stop: " + r).isZero();
            assertThat(rest).as(r.toString()).contains("interlock: stopping").last().isEqualTo("interlock: stopped");
            Map<String, Row> stopped = table(String.join("\n", rest));
            for (String folder : bundled) {
                assertThat(bySource(stopped, image.resolve("plugins").resolve(folder)).state()).as(folder)
                        .isEqualTo("STOPPED");
            }
            assertThat(bySource(stopped, image.resolve("plugins/hello")).state()).isEqualTo("STOPPED");
            assertNoWarnings(r);
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * A copy of the image (hard links: cheap, and the original stays untouched) with two folders dropped into its
     * {@code plugins/}: the example plugin exactly as its own build produced it, and a broken plugin (a truncated jar,
     * as from an interrupted download).
     */
    private Path dropInCopy() throws Exception {
        Path copy = temp.resolve("image");
        Process cp = new ProcessBuilder("cp", "-al", IMAGE.toString(), copy.toString()).inheritIO().start();
        assertThat(cp.waitFor()).isZero();
        Path hello = Files.createDirectories(copy.resolve("plugins/hello"));
        try (Stream<Path> jars = Files.list(HELLO)) {
            for (Path jar : jars.toList()) {
                Files.copy(jar, hello.resolve(jar.getFileName()));
            }
        }
        Path helloJar;
        try (Stream<Path> jars = Files.list(HELLO)) {
            helloJar = jars.filter(p -> p.getFileName().toString().startsWith("hello-plugin")).findFirst()
                    .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(helloJar);
        Path broken = Files.createDirectories(copy.resolve("plugins/broken"));
        Files.write(broken.resolve("broken-plugin.jar"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        return copy;
    }

    private ProcessBuilder builder(Path image, String... args) throws IOException {
        return builderWith(image, null, args);
    }

    private ProcessBuilder builderWith(Path image, String jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(image.resolve("bin/interlock").toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("INTERLOCK_") || k.equals("JAVA_TOOL_OPTIONS")
                || k.equals("JDK_JAVA_OPTIONS") || k.equals("_JAVA_OPTIONS"));
        env.put("XDG_DATA_HOME", Files.createDirectories(temp.resolve("data")).toString());
        env.put("XDG_CONFIG_HOME", Files.createDirectories(temp.resolve("config")).toString());
        if (jvmOptions != null) {
            env.put("INTERLOCK_OPTS", jvmOptions);
        }
        return pb;
    }

    @Test
    void demo_freshImage_everyBundledPluginPassesItsScenarioAndExitsZero() throws Exception {
        Result r = run(IMAGE, "demo");

        assertThat(r.exit()).as(r.toString()).isZero();
        // the table: one row per plugin with its result, then the summary line
        List<String> plugins = List.of("mls", "mse", "ratchet", "telegram-bridge", "voice");
        assertThat(bundled).as("the demo covers every bundled plugin").hasSameSizeAs(plugins);
        for (String id : plugins) {
            assertThat(r.out()).as(r.toString()).containsPattern("(?m)^\\[" + java.util.regex.Pattern.quote(id)
                    + "\\] PASS in ").containsPattern("(?m)^" + java.util.regex.Pattern.quote(id) + " +PASS +");
        }
        assertThat(r.out()).as(r.toString())
                .contains("topics per session: 1")            // telegram-bridge (seed 004)
                .contains("pairs matching the matrix: 16/16") // mse (seed 000)
                .contains("rounds timed out: 0")              // ratchet (seed 001)
                .contains("members on the same epoch: 5/5")   // mls (seed 002)
                .containsPattern("received exactly once, in order[^\\n]*: (\\d+)/\\1") // voice (seed 003)
                .doesNotContain("VIOLATED")
                .contains("5 PASS, 0 FAIL, 0 ERROR, 0 no demo, 0 FAILED to load");
        assertNoWarnings(r);
        assertThat(r.err()).as("no log noise by default: " + r).isEmpty();
    }

    private Result run(Path image, String... args) throws Exception {
        return runWith(image, null, args);
    }

    private Result runWith(Path image, String jvmOptions, String... args) throws Exception {
        ProcessBuilder pb = builderWith(image, jvmOptions, args);
        Path out = Files.createTempFile(temp, "out", ".txt");
        Path err = Files.createTempFile(temp, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        Process process = pb.start();
        try {
            assertThat(process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("interlock %s finished",
                    List.of(args)).isTrue();
        } finally {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** No JVM warning (Unsafe, agents, native access, CDS) and no WARNING log record. */
    private static void assertNoWarnings(Result r) {
        assertThat(r.err().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("warn")).toList())
                .as("warnings on stderr: " + r).isEmpty();
    }

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    record Row(String id, String state, String source, String reason) {
    }

    /** The launcher's table (ID VERSION STATE SOURCE REASON), by id; other lines are ignored. */
    private static Map<String, Row> table(String out) {
        Map<String, Row> rows = new TreeMap<>();
        for (String line : out.lines().toList()) {
            String[] cells = line.trim().split("\\s+", 5);
            if (cells.length < 4 || cells[0].equals("ID") || line.startsWith("interlock:")) {
                continue;
            }
            rows.put(cells[0], new Row(cells[0], cells[2], cells[3], cells.length == 5 ? cells[4] : ""));
        }
        return rows;
    }

    private static Row bySource(Map<String, Row> rows, Path folder) {
        String source = folder.toAbsolutePath().normalize().toString();
        return rows.values().stream().filter(r -> r.source().equals(source)).findFirst()
                .orElseThrow(() -> new AssertionError("no plugin from " + source + " in " + rows.values()));
    }
}
