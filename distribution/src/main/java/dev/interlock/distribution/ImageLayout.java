package dev.interlock.distribution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Decides what goes where in the runtime image, from the module descriptors of the jars Maven resolved.
 *
 * <h2>Input</h2>
 * A pool of jars: the run-time dependencies of {@code platform-runtime} and of every first-party plugin, copied by
 * {@code maven-dependency-plugin} with their versions stripped from the file names ({@code plugin-mse.jar}); and a
 * directory of patched jars (Guice and aopalliance with the module descriptors moditect added) that replace the pool's
 * jars holding the same module (the automatic module they were).
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Boot layer</b>: the platform module ({@code dev.interlock.runtime}) and everything it {@code requires},
 *       transitively (not {@code requires static}: an annotation-only dependency is not needed at run time). Service
 *       providers are deliberately <em>not</em> bound: the plugins provide {@code Plugin}, and they belong in their
 *       own layers. Every boot module must be explicit (jlink refuses automatic modules).
 *   <li><b>Plugins</b>: every module of the pool (outside the boot layer) that {@code provides
 *       dev.interlock.api.plugin.Plugin}. Its folder, {@code plugins/<id>/}, holds its jar and the closure of what it
 *       requires, minus whatever the image already has (boot modules and JDK modules): exactly what the host accepts
 *       from a third-party plugin folder. The folder name is the jar's name without {@code plugin-} / {@code -plugin}
 *       ({@code plugin-telegram-bridge.jar} to {@code telegram-bridge}). The JDK modules the plugins require are
 *       linked into the image, since nothing can add them later.
 * </ul>
 *
 * <h2>Output</h2>
 * {@code <work>/boot/} (the jlink module path), {@code <work>/plugins/<id>/}, {@code <work>/jlink.args} (an
 * {@code @}-file with {@code --module-path} and {@code --add-modules}), and {@code <work>/layout.txt} (what was
 * decided, one line per module, for the build log and the tests). A jar that several plugin folders need (bcprov,
 * Jackson) is one file with a hard link per folder: each layer still loads its own copy, the disk holds one. The
 * previous image directory is deleted, because
 * jlink refuses to write into an existing one.
 *
 * <p>Every problem stops the build with a message naming the jar, the module and the fix.
 */
public final class ImageLayout {

    /** The plugin SPI: a module that provides it is a plugin. */
    static final String PLUGIN_SERVICE = "dev.interlock.api.plugin.Plugin";

    private ImageLayout() {
    }

    /**
     * What goes where.
     *
     * @param boot       boot-layer modules (name to jar), linked into the image
     * @param jdkModules JDK modules to link besides those jlink finds by itself from the boot modules
     * @param plugins    plugin folder name to (module name to jar)
     */
    record Plan(SortedMap<String, Path> boot, SortedSet<String> jdkModules,
            SortedMap<String, SortedMap<String, Path>> plugins) {
    }

    /** Thrown for a layout the image cannot have; the message names the jar, the module and the fix. */
    static final class LayoutException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LayoutException(String message) {
            super(message);
        }
    }

    /**
     * Computes the layout.
     *
     * @param jars            the pool, patched jars already substituted
     * @param platformModule  the root of the boot layer
     * @param baseJdkModules  JDK modules the image always has (for third-party plugins)
     * @param jdk             the JDK's modules (the link source)
     */
    static Plan plan(List<Path> jars, String platformModule, Set<String> baseJdkModules, ModuleFinder jdk) {
        Map<String, ModuleReference> pool = new TreeMap<>();
        Map<String, Path> jarOf = new TreeMap<>();
        for (Path jar : jars) {
            ModuleReference ref;
            try {
                Set<ModuleReference> found = ModuleFinder.of(jar).findAll();
                if (found.size() != 1) {
                    throw new LayoutException(jar + " holds " + found.size() + " modules; expected one jar, one module");
                }
                ref = found.iterator().next();
            } catch (FindException e) {
                throw new LayoutException("cannot read the module in " + jar + ": " + e.getMessage());
            }
            String name = ref.descriptor().name();
            Path previous = jarOf.put(name, jar);
            if (previous != null) {
                throw new LayoutException("module " + name + " is in two jars, " + previous.getFileName() + " and "
                        + jar.getFileName() + "; fix: exclude one of them in distribution/pom.xml");
            }
            pool.put(name, ref);
        }
        for (String base : baseJdkModules) {
            if (jdk.find(base).isEmpty()) {
                throw new LayoutException("the JDK module " + base + " (interlock.image.jdkModules) is not in the JDK"
                        + " that links the image; fix: remove it from the property or link with a JDK that has it");
            }
        }
        if (!pool.containsKey(platformModule)) {
            throw new LayoutException("the platform module " + platformModule + " is not among the resolved jars "
                    + jarOf.values() + "; fix: keep platform-runtime a dependency of distribution");
        }

        // The boot layer.
        SortedSet<String> bootNames = closure(platformModule, pool, jdk, Set.of(), "the platform");
        SortedMap<String, Path> boot = new TreeMap<>();
        for (String name : bootNames) {
            ModuleReference ref = pool.get(name);
            if (ref == null) {
                continue; // a JDK module: jlink takes it from the JDK
            }
            if (ref.descriptor().isAutomatic()) {
                throw new LayoutException("the boot-layer module " + name + " (" + jarOf.get(name).getFileName()
                        + ") is an automatic module, which jlink cannot link; fix: give it a module descriptor with"
                        + " moditect add-module-info in distribution/pom.xml");
            }
            boot.put(name, jarOf.get(name));
        }

        // The plugins.
        SortedSet<String> jdkModules = new TreeSet<>(baseJdkModules);
        SortedMap<String, SortedMap<String, Path>> plugins = new TreeMap<>();
        Map<String, String> folderOwner = new LinkedHashMap<>();
        for (ModuleReference ref : pool.values()) {
            ModuleDescriptor d = ref.descriptor();
            boolean isPlugin = d.provides().stream().anyMatch(p -> p.service().equals(PLUGIN_SERVICE));
            if (!isPlugin || boot.containsKey(d.name())) {
                continue;
            }
            String folder = folderName(jarOf.get(d.name()));
            String other = folderOwner.put(folder, d.name());
            if (other != null) {
                throw new LayoutException("plugins " + other + " and " + d.name() + " would share the folder plugins/"
                        + folder + "; fix: rename one of the artifacts");
            }
            SortedMap<String, Path> contents = new TreeMap<>();
            for (String name : closure(d.name(), pool, jdk, boot.keySet(), "plugin " + d.name())) {
                if (boot.containsKey(name)) {
                    continue;
                }
                if (pool.containsKey(name)) {
                    contents.put(name, jarOf.get(name));
                } else {
                    jdkModules.add(name);
                }
            }
            plugins.put(folder, contents);
        }
        return new Plan(boot, jdkModules, plugins);
    }

    /**
     * {@code root} and every module it requires (not static), transitively; a boot module ends a path (the plugin
     * reads the platform's copy). JDK modules are included by name. A module found nowhere stops the build.
     */
    private static SortedSet<String> closure(String root, Map<String, ModuleReference> pool, ModuleFinder jdk,
            Set<String> stopAt, String whose) {
        SortedSet<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            String name = todo.pop();
            if (!seen.add(name) || stopAt.contains(name)) {
                continue;
            }
            ModuleReference ref = pool.get(name);
            if (ref == null) {
                ref = jdk.find(name).orElseThrow(() -> new LayoutException(whose + " needs module " + name
                        + ", which is neither among the resolved jars nor in the JDK; fix: add the artifact that"
                        + " holds it as a run-time dependency of the module that requires it"));
            }
            for (ModuleDescriptor.Requires r : ref.descriptor().requires()) {
                if (!r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
                    todo.push(r.name());
                }
            }
        }
        return seen;
    }

    /** {@code plugin-telegram-bridge.jar} to {@code telegram-bridge}; {@code hello-plugin.jar} to {@code hello}. */
    static String folderName(Path jar) {
        String name = jar.getFileName().toString();
        name = name.endsWith(".jar") ? name.substring(0, name.length() - 4) : name;
        if (name.startsWith("plugin-")) {
            name = name.substring("plugin-".length());
        } else if (name.endsWith("-plugin")) {
            name = name.substring(0, name.length() - "-plugin".length());
        }
        return name;
    }

    /**
     * {@code --pool DIR --patched DIR --platform MODULE --jdk-modules A,B --work DIR --image DIR}.
     */
    public static void main(String[] args) {
        Map<String, String> options = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i], args[i + 1]);
        }
        for (String required : List.of("--pool", "--patched", "--platform", "--jdk-modules", "--work", "--image")) {
            if (!options.containsKey(required)) {
                System.err.println("image-layout: missing option " + required + " (got " + List.of(args) + ")");
                System.exit(2);
            }
        }
        try {
            run(Path.of(options.get("--pool")), Path.of(options.get("--patched")), options.get("--platform"),
                    jdkModules(options.get("--jdk-modules")), Path.of(options.get("--work")),
                    Path.of(options.get("--image")));
        } catch (LayoutException | IOException | UncheckedIOException e) {
            System.err.println("image-layout: " + e.getMessage());
            System.exit(1);
        }
    }

    /** {@code "a, b,,a"} to {@code [a, b]}: blanks and repeats in the property are harmless. */
    static SortedSet<String> jdkModules(String list) {
        SortedSet<String> names = new TreeSet<>();
        for (String name : list.split(",")) {
            if (!name.isBlank()) {
                names.add(name.strip());
            }
        }
        return names;
    }

    static void run(Path poolDir, Path patchedDir, String platform, Set<String> baseJdk, Path work, Path image)
            throws IOException {
        Map<String, Path> byModule = new TreeMap<>();
        for (Path jar : jars(poolDir)) {
            byModule.put(moduleName(jar), jar);
        }
        for (Path jar : jars(patchedDir)) {
            String name = moduleName(jar);
            if (!byModule.containsKey(name)) {
                throw new LayoutException("the patched jar " + jar + " (module " + name + ") replaces nothing in "
                        + poolDir + "; fix: keep moditect's module names and artifacts in step with the dependencies");
            }
            byModule.put(name, jar);
        }
        Plan plan = plan(new ArrayList<>(byModule.values()), platform, new TreeSet<>(baseJdk), ModuleFinder.ofSystem());

        deleteTree(work);
        deleteTree(image);
        Path bootDir = Files.createDirectories(work.resolve("boot"));
        for (Path jar : plan.boot().values()) {
            Files.copy(jar, bootDir.resolve(jar.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        StringBuilder layout = new StringBuilder();
        plan.boot().forEach((name, jar) -> layout.append("boot ").append(name).append(' ').append(jar.getFileName())
                .append('\n'));
        plan.jdkModules().forEach(name -> layout.append("jdk ").append(name).append('\n'));
        Map<Path, Path> firstCopy = new TreeMap<>();
        for (Map.Entry<String, SortedMap<String, Path>> plugin : plan.plugins().entrySet()) {
            Path folder = Files.createDirectories(work.resolve("plugins").resolve(plugin.getKey()));
            for (Map.Entry<String, Path> module : plugin.getValue().entrySet()) {
                Path target = folder.resolve(module.getValue().getFileName());
                Path first = firstCopy.putIfAbsent(module.getValue(), target);
                if (first == null) {
                    Files.copy(module.getValue(), target, StandardCopyOption.REPLACE_EXISTING);
                } else {
                    // The same jar in several folders (e.g. bcprov): one file on disk, several names.
                    Files.createLink(target, first);
                }
                layout.append("plugin ").append(plugin.getKey()).append(' ').append(module.getKey()).append(' ')
                        .append(module.getValue().getFileName()).append('\n');
            }
        }
        List<String> roots = new ArrayList<>();
        roots.add(platform);
        roots.addAll(plan.jdkModules());
        String args = "--module-path\n" + quote(bootDir.toAbsolutePath().toString()) + "\n--add-modules\n"
                + String.join(",", roots) + "\n";
        Files.writeString(work.resolve("jlink.args"), args, StandardCharsets.UTF_8);
        Files.writeString(work.resolve("layout.txt"), layout, StandardCharsets.UTF_8);
        System.out.println("image layout: " + plan.boot().size() + " platform modules, " + plan.jdkModules().size()
                + " JDK modules requested, plugins " + plan.plugins().keySet() + " (details: "
                + work.resolve("layout.txt") + ")");
    }

    private static String moduleName(Path jar) {
        try {
            return ModuleFinder.of(jar).findAll().stream().map(ref -> ref.descriptor().name()).findFirst()
                    .orElseThrow(() -> new LayoutException(jar + " holds no module"));
        } catch (FindException e) {
            throw new LayoutException("cannot read the module in " + jar + ": " + e.getMessage());
        }
    }

    /** A jlink {@code @}-file token: quoted, backslashes and quotes escaped. */
    private static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static List<Path> jars(Path dir) throws IOException {
        List<Path> jars = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return jars;
        }
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*.jar")) {
            stream.forEach(jars::add);
        }
        jars.sort(Comparator.naturalOrder());
        return jars;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
