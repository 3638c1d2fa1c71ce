package dev.interlock.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

/**
 * Test plugins, compiled from generated sources at test time (one javac run for all of them) and packed into jars:
 * real modules in real layers, each with a deliberate behaviour (throws in start, hangs in stop, needs a missing
 * module, wants another API version, depends on others...).
 *
 * <p>Every fixture plugin binds a package-private service with constructor injection (so the host's Guice access
 * grant is exercised) and appends "start ID" / "stop ID" to the file named by its config key {@code events}, if set.
 */
public final class Fixtures {

    /** A fixture plugin module. */
    public record Spec(String module, String id, String requiredApi, Set<String> dependencies, String startBody,
            String stopBody, List<String> requires, boolean opensToGuice, String demoBody) {

        Spec(String module, String id, String requiredApi, Set<String> dependencies, String startBody,
                String stopBody, List<String> requires, boolean opensToGuice) {
            this(module, id, requiredApi, dependencies, startBody, stopBody, requires, opensToGuice, null);
        }

        static Spec plain(String module, String id) {
            return new Spec(module, id, "[1.0,2.0)", Set.of(), "", "", List.of(), false);
        }

        /**
         * A plugin whose demo() returns a scenario described as "fixture scenario of ID", whose run(context,
         * progress) has {@code body} as its body.
         */
        Spec demo(String body) {
            return new Spec(module, id, requiredApi, dependencies, startBody, stopBody, requires, opensToGuice, body);
        }

        Spec dependsOn(String... ids) {
            return new Spec(module, id, requiredApi, Set.of(ids), startBody, stopBody, requires, opensToGuice);
        }

        Spec api(String range) {
            return new Spec(module, id, range, dependencies, startBody, stopBody, requires, opensToGuice);
        }

        Spec onStart(String body) {
            return new Spec(module, id, requiredApi, dependencies, body, stopBody, requires, opensToGuice);
        }

        Spec onStop(String body) {
            return new Spec(module, id, requiredApi, dependencies, startBody, body, requires, opensToGuice);
        }

        Spec requiring(String moduleName) {
            List<String> r = new ArrayList<>(requires);
            r.add(moduleName);
            return new Spec(module, id, requiredApi, dependencies, startBody, stopBody, r, opensToGuice);
        }

        Spec opened() {
            return new Spec(module, id, requiredApi, dependencies, startBody, stopBody, requires, true);
        }
    }

    /** A library module with an exported package (not opened) and an unexported one, used by "exports-user". */
    public static final String HIDDEN_LIB = "fixture.hiddenlib";

    /** The manifest entries "exports-user" needs to use {@link #HIDDEN_LIB}. */
    public static final Map<String, String> HIDDEN_LIB_GRANTS = Map.of(
            "Add-Exports", "fixture.hiddenlib/fixture.hiddenlib.secret",
            "Add-Opens", "fixture.hiddenlib/fixture.hiddenlib");

    /**
     * A passing demo: checks that it runs on the plugin's class loader, with the injector ready and the plugin not
     * started, reports progress, and returns two invariants that hold.
     */
    public static final String DEMO_PASS = """
            checkContextClassLoader();
            if (service != null) {
                throw new IllegalStateException("the demo runs before start()");
            }
            Service injected = context.instance(Service.class);
            progress.accept("step 1 of 2");
            injected.event("demo");
            progress.accept("step 2 of 2");
            return new DemoResult("2 steps, 1 session", java.util.List.of(
                    DemoResult.Invariant.expect("topics per session", 1, 1),
                    DemoResult.Invariant.expect("events lost", 0, 0)));""";

    /** A stop() that ignores interrupts and never returns. */
    public static final String HANG_FOREVER = """
            java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
            while (true) {
                try { never.await(); } catch (InterruptedException ignored) { }
            }""";

    /** All fixtures; each test copies the jars it needs into its own plugins directory. */
    public static final List<Spec> ALL = List.of(
            Spec.plain("fixture.alpha", "alpha").dependsOn("zeta"),
            Spec.plain("fixture.zeta", "zeta"),
            Spec.plain("fixture.mid", "mid").dependsOn("alpha"),
            Spec.plain("fixture.boom", "boom").onStart("throw new IllegalStateException(\"boom in start\");"),
            Spec.plain("fixture.needsboom", "needs-boom").dependsOn("boom"),
            Spec.plain("fixture.slowstart", "slow-start").onStart(HANG_FOREVER),
            Spec.plain("fixture.hang", "hang").dependsOn("zeta").onStop(HANG_FOREVER),
            Spec.plain("fixture.stopthrows", "stop-throws").onStop("throw new java.io.IOException(\"disk gone\");"),
            Spec.plain("fixture.future", "future").api("[2.0,3.0)"),
            Spec.plain("fixture.needy", "needy").requiring("fixture.absent"),
            Spec.plain("fixture.twin1", "twin"),
            Spec.plain("fixture.twin2", "twin"),
            Spec.plain("fixture.cyclex", "cycle-x").dependsOn("cycle-y"),
            Spec.plain("fixture.cycley", "cycle-y").dependsOn("cycle-x"),
            Spec.plain("fixture.behindcycle", "behind-cycle").dependsOn("cycle-x"),
            Spec.plain("fixture.orphan", "orphan").dependsOn("nope"),
            Spec.plain("fixture.badid", "Bad_Id"),
            Spec.plain("fixture.opened", "opened").opened(),
            Spec.plain("fixture.closed", "closed"),
            Spec.plain("fixture.demopass", "demo-pass").demo(DEMO_PASS),
            Spec.plain("fixture.demofail", "demo-fail").demo("""
                    progress.accept("sending 3 events\\nto 1 topic");
                    return new DemoResult("3 events sent", java.util.List.of(
                            DemoResult.Invariant.expect("topics per session", 1, 1),
                            DemoResult.Invariant.expect("events lost", 0, 2)));"""),
            Spec.plain("fixture.demothrows", "demo-throws").demo("""
                    progress.accept("connecting");
                    throw new IllegalStateException("peer vanished");"""),
            Spec.plain("fixture.demohang", "demo-hang").demo("""
                    progress.accept("waiting forever");
                    new java.util.concurrent.CountDownLatch(1).await();
                    return null;"""),
            Spec.plain("fixture.exportsuser", "exports-user").requiring(HIDDEN_LIB).onStart("""
                    String word = fixture.hiddenlib.secret.Secret.word();
                    java.lang.reflect.Field field = fixture.hiddenlib.Box.class.getDeclaredField("value");
                    field.setAccessible(true);
                    service.event("used " + word + " and " + field.get(new fixture.hiddenlib.Box()));"""),
            Spec.plain("fixture.nativeuser", "native-user").demo("""
                    return new DemoResult("native access checked", java.util.List.of(DemoResult.Invariant.expect(
                            "native access granted", true, getClass().getModule().isNativeAccessEnabled())));"""));


    private static Map<String, Path> jars;

    private Fixtures() {
    }

    /** The jar of fixture module {@code module}, compiling all fixtures on first use. */
    public static synchronized Path jar(String module) {
        if (jars == null) {
            jars = build();
        }
        Path jar = jars.get(module);
        if (jar == null) {
            throw new IllegalArgumentException("no fixture module " + module);
        }
        return jar;
    }

    /** Copies fixture {@code module}'s jar into {@code pluginsDir/folder/}. */
    public static Path install(Path pluginsDir, String folder, String module) throws IOException {
        Path dir = Files.createDirectories(pluginsDir.resolve(folder));
        Files.copy(jar(module), dir.resolve(module + ".jar"), StandardCopyOption.REPLACE_EXISTING);
        return dir;
    }

    /** Copies the example plugin's folder (built by Maven) to {@code pluginsDir/hello}. */
    public static Path installHello(Path pluginsDir) throws IOException {
        Path source = helloFolder();
        Path dir = Files.createDirectories(pluginsDir.resolve("hello"));
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    /** The hello plugin's folder in the launcher layout (copied there before the tests run). */
    public static Path helloFolder() {
        return Path.of(System.getProperty("interlock.test.helloFolder",
                "target/interlock/plugins/hello")).toAbsolutePath();
    }

    /** The jar of a platform module, from this JVM's module path (e.g. "guice"). */
    public static Path platformJar(String fileNamePrefix) {
        return Stream.of(System.getProperty("jdk.module.path").split(java.io.File.pathSeparator))
                .map(Path::of)
                .filter(p -> p.getFileName().toString().startsWith(fileNamePrefix) && p.toString().endsWith(".jar"))
                .findFirst().orElseThrow(() -> new IllegalStateException(fileNamePrefix + " not on the module path"));
    }

    private static Map<String, Path> build() {
        try {
            Path root = Files.createTempDirectory("interlock-fixtures");
            Path src = root.resolve("src");
            Path out = root.resolve("classes");
            List<String> modules = new ArrayList<>();
            // A library module that the "needy" fixture requires but that is never installed.
            write(src.resolve("fixture.absent/module-info.java"), "module fixture.absent { exports fixture.absent; }");
            write(src.resolve("fixture.absent/fixture/absent/Absent.java"),
                    "package fixture.absent; public final class Absent { }");
            modules.add("fixture.absent");
            write(src.resolve(HIDDEN_LIB + "/module-info.java"), "module " + HIDDEN_LIB + " { exports " + HIDDEN_LIB
                    + "; }");
            write(src.resolve(HIDDEN_LIB + "/fixture/hiddenlib/Box.java"),
                    "package fixture.hiddenlib; public final class Box { private final String value = \"boxed\"; }");
            write(src.resolve(HIDDEN_LIB + "/fixture/hiddenlib/secret/Secret.java"),
                    "package fixture.hiddenlib.secret; public final class Secret {"
                            + " public static String word() { return \"secret\"; } }");
            modules.add(HIDDEN_LIB);
            for (Spec spec : ALL) {
                writeSources(src, spec);
                modules.add(spec.module());
            }
            List<String> args = new ArrayList<>(List.of("--release", "25", "-d", out.toString(),
                    "--module-source-path", src.toString(),
                    "--module-path", System.getProperty("jdk.module.path"),
                    "--add-exports", HIDDEN_LIB + "/fixture.hiddenlib.secret=fixture.exportsuser",
                    "--module", String.join(",", modules)));
            StringWriter log = new StringWriter();
            ToolProvider javac = ToolProvider.findFirst("javac")
                    .orElseThrow(() -> new IllegalStateException("javac is not available in this JVM"));
            int rc = javac.run(new PrintWriter(log), new PrintWriter(log), args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("fixture compilation failed:\n" + log);
            }
            Map<String, Path> result = new LinkedHashMap<>();
            Path jarsDir = Files.createDirectories(root.resolve("jars"));
            for (String module : modules) {
                Path jar = jarsDir.resolve(module + ".jar");
                jar(out.resolve(module), jar);
                result.put(module, jar);
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeSources(Path src, Spec spec) throws IOException {
        String pkg = spec.module();
        String requires = spec.requires().stream().map(r -> "    requires " + r + ";\n").collect(Collectors.joining());
        String opens = spec.opensToGuice() ? "    opens " + pkg + " to com.google.guice;\n" : "";
        write(src.resolve(spec.module()).resolve("module-info.java"), "module " + spec.module() + " {\n"
                + "    requires dev.interlock.api;\n" + requires + opens
                + "    provides dev.interlock.api.plugin.Plugin with " + pkg + ".FixturePlugin;\n}\n");
        String deps = spec.dependencies().stream().sorted().map(d -> "\"" + d + "\"").collect(Collectors.joining(", "));
        Path dir = src.resolve(spec.module()).resolve(pkg.replace('.', '/'));
        write(dir.resolve("FixturePlugin.java"), """
                package %1$s;

                import dev.interlock.api.plugin.DemoResult;
                import dev.interlock.api.plugin.DemoScenario;
                import dev.interlock.api.plugin.Plugin;
                import dev.interlock.api.plugin.PluginContext;

                public final class FixturePlugin implements Plugin {
                    private volatile Service service;

                    public String id() { return "%2$s"; }
                    public String version() { return "1.2.3"; }
                    public String requiredApi() { return "%3$s"; }
                    public java.util.Set<String> dependencies() { return java.util.Set.of(%4$s); }
                    public com.google.inject.Module module() { return binder -> binder.bind(Service.class); }

                    private void checkContextClassLoader() {
                        if (Thread.currentThread().getContextClassLoader() != getClass().getClassLoader()) {
                            throw new IllegalStateException("the context class loader is not the plugin's");
                        }
                    }

                    public void start(PluginContext context) throws Exception {
                        checkContextClassLoader();
                        service = context.instance(Service.class);
                        service.event("start");
                        %5$s
                    }

                    public void stop() throws Exception {
                        checkContextClassLoader();
                        service.event("stop");
                        %6$s
                    }
                %7$s}
                """.formatted(pkg, spec.id(), spec.requiredApi(), deps, spec.startBody(), spec.stopBody(),
                demoMethod(spec)));
        write(dir.resolve("Service.java"), """
                package %1$s;

                import com.google.inject.Inject;
                import dev.interlock.api.guard.ConcurrencyGuard;
                import dev.interlock.api.plugin.PluginConfig;
                import dev.interlock.api.plugin.PluginContext;

                final class Service {
                    private final PluginContext context;
                    private final PluginConfig config;

                    @Inject
                    Service(PluginContext context, PluginConfig config, ConcurrencyGuard guard, java.time.Clock clock) {
                        this.context = context;
                        this.config = config;
                        if (guard == null || clock == null) {
                            throw new IllegalStateException("not injected");
                        }
                    }

                    void event(String what) throws java.io.IOException {
                        java.util.Optional<String> file = config.get("events");
                        if (file.isPresent()) {
                            java.nio.file.Files.writeString(java.nio.file.Path.of(file.get()),
                                    what + " " + context.pluginId() + "\\n",
                                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
                        }
                    }
                }
                """.formatted(pkg));
    }

    private static String demoMethod(Spec spec) {
        if (spec.demoBody() == null) {
            return "";
        }
        return """
                    public java.util.Optional<DemoScenario> demo() {
                        return java.util.Optional.of(new DemoScenario() {
                            public String description() { return "fixture scenario of %1$s"; }
                            public DemoResult run(PluginContext context, java.util.function.Consumer<String> progress)
                                    throws Exception {
                                %2$s
                            }
                        });
                    }
                """.formatted(spec.id(), spec.demoBody());
    }

    /**
     * Copies fixture {@code module}'s classes into {@code pluginsDir/folder/module.jar}, with {@code attributes} in the
     * manifest's main section.
     */
    public static Path installWithManifest(Path pluginsDir, String folder, String module, Map<String, String> attributes)
            throws IOException {
        Path dir = Files.createDirectories(pluginsDir.resolve(folder));
        Path target = dir.resolve(module + ".jar");
        java.util.jar.Manifest manifest = new java.util.jar.Manifest();
        manifest.getMainAttributes().put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        attributes.forEach((k, v) -> manifest.getMainAttributes().putValue(k, v));
        try (java.util.jar.JarInputStream in = new java.util.jar.JarInputStream(Files.newInputStream(jar(module)));
             JarOutputStream out = new JarOutputStream(Files.newOutputStream(target), manifest)) {
            for (JarEntry e; (e = in.getNextJarEntry()) != null; ) {
                out.putNextEntry(new JarEntry(e.getName()));
                in.transferTo(out);
                out.closeEntry();
            }
        }
        return dir;
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
    }
}
