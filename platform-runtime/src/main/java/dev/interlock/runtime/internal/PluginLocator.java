package dev.interlock.runtime.internal;

import dev.interlock.api.plugin.Plugin;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReader;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.Manifest;

/**
 * Finds plugins: on the module path (the boot layer) and in a plugins directory, where every sub-folder is a set of
 * jars that becomes its own {@link ModuleLayer} whose parent is the boot layer (the platform).
 *
 * <h2>Checks before a folder's layer is defined</h2>
 * Each failure produces a FAILED record naming the folder, the module and the fix; other folders are unaffected.
 * <ol>
 *   <li>the folder has jars, and {@link ModuleFinder#of} can read them (one module per name);
 *   <li>no module in it is a platform module (a module the boot layer already has, or a JDK module): two copies of
 *       {@code dev.interlock.api} or {@code com.google.guice} would make the plugin's types different from the
 *       host's;
 *   <li>some module in it provides {@code dev.interlock.api.plugin.Plugin};
 *   <li>every module it requires is in the folder or in the boot layer (checked by hand first, for a precise message;
 *       then by {@link Configuration#resolveAndBind}).
 *   <li>every {@code Add-Exports} / {@code Add-Opens} entry in the main section of a jar's manifest (the JDK's
 *       executable-jar syntax: space-separated {@code <module>/<package>}) names a module of the folder itself and
 *       one of that module's packages; a platform or JDK module cannot be opened at run time, so naming one is a
 *       failure too.
 *   <li>every {@code Enable-Native-Access} entry of a jar's manifest (space-separated module names) names a module of
 *       the folder itself (for example {@code org.xerial.sqlitejdbc}, which loads its native library); granting it
 *       needs the host's own module to have native access ({@code --enable-native-access=dev.interlock.runtime},
 *       which {@code bin/interlock} passes), and a plugin asking for it on a host without it is a failure that says
 *       so, rather than a warning printed by the JVM or a failure at the first native call.
 * </ol>
 * The layer is defined with {@link ModuleLayer#defineModulesWithOneLoader} and, through its
 * {@link ModuleLayer.Controller}, every package of every module in it is opened to {@code com.google.guice}, so plugin
 * authors need no {@code opens} clauses; then each manifest entry is granted: {@code addExports} (or
 * {@code addOpens}) of that package of that module to the module of the jar whose manifest asked for it. Plugins are then instantiated with {@link ServiceLoader} over that layer
 * (only providers defined in the layer itself, not in its parents).
 */
final class PluginLocator {

    /** The most entries one {@code Add-Exports} or {@code Add-Opens} attribute may list. */
    static final int MAX_GRANTS = 256;

    private final ModuleLayer platform = ModuleLayer.boot();
    private final Module guice = com.google.inject.Injector.class.getModule();
    private final ModuleFinder jdk = ModuleFinder.ofSystem();

    /** Plugins on the module path, by module name. */
    List<PluginRecord> fromModulePath() {
        List<PluginRecord> found = new ArrayList<>();
        List<ServiceLoader.Provider<Plugin>> providers = new ArrayList<>();
        try {
            ServiceLoader.load(platform, Plugin.class).stream().forEach(providers::add);
        } catch (ServiceConfigurationError e) {
            found.add(PluginRecord.failed(null, "module-path", null,
                    "the module path's plugin providers cannot be listed: " + Messages.describe(e)));
            return found;
        }
        providers.sort(Comparator.comparing(p -> p.type().getName()));
        for (ServiceLoader.Provider<Plugin> provider : providers) {
            Module module = provider.type().getModule();
            found.add(instantiate(provider, null, platform, module.getName()));
        }
        return found;
    }

    /** Plugins in {@code pluginDirectory}'s sub-folders, in folder-name order; nothing if it does not exist. */
    List<PluginRecord> fromDirectory(Path pluginDirectory) throws IOException {
        List<PluginRecord> found = new ArrayList<>();
        if (!Files.exists(pluginDirectory)) {
            return found;
        }
        if (!Files.isDirectory(pluginDirectory)) {
            throw new IOException("the plugins directory " + pluginDirectory + " is not a directory");
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(pluginDirectory)) {
            stream.forEach(entries::add);
        }
        entries.sort(Comparator.comparing(p -> p.getFileName().toString()));
        for (Path entry : entries) {
            String name = entry.getFileName().toString();
            if (name.startsWith(".")) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                found.addAll(fromFolder(entry.toAbsolutePath().normalize()));
            } else if (name.endsWith(".jar")) {
                found.add(PluginRecord.failed(entry.toAbsolutePath().normalize(),
                        name.substring(0, name.length() - 4), null, Messages.looseJar(pluginDirectory, name)));
            }
        }
        return found;
    }

    private List<PluginRecord> fromFolder(Path folder) {
        String folderName = folder.getFileName().toString();
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder, "*.jar")) {
            stream.forEach(jars::add);
        } catch (IOException e) {
            return List.of(PluginRecord.failed(folder, folderName, null,
                    Messages.unreadableFolder(folder, Messages.describe(e))));
        }
        if (jars.isEmpty()) {
            return List.of(PluginRecord.failed(folder, folderName, null, Messages.emptyFolder(folder)));
        }
        jars.sort(Comparator.naturalOrder());

        // 1. Read the modules.
        ModuleFinder finder = ModuleFinder.of(jars.toArray(Path[]::new));
        Map<String, ModuleReference> modules = new TreeMap<>();
        try {
            for (ModuleReference ref : finder.findAll()) {
                modules.put(ref.descriptor().name(), ref);
            }
        } catch (FindException e) {
            return List.of(PluginRecord.failed(folder, folderName, null,
                    Messages.unreadableFolder(folder, Messages.firstLine(String.valueOf(e.getMessage())))));
        }
        String pluginModule = modules.values().stream()
                .filter(ref -> ref.descriptor().provides().stream()
                        .anyMatch(p -> p.service().equals(Messages.PLUGIN_SERVICE)))
                .map(ref -> ref.descriptor().name())
                .findFirst().orElse(null);

        // 2. No copies of platform modules.
        for (ModuleReference ref : modules.values()) {
            String name = ref.descriptor().name();
            if (platform.findModule(name).isPresent() || jdk.find(name).isPresent()) {
                return List.of(PluginRecord.failed(folder, folderName, pluginModule,
                        Messages.platformModuleCopy(folder, pluginModule, name, jarName(ref))));
            }
        }

        // 3. A plugin module.
        if (pluginModule == null) {
            return List.of(PluginRecord.failed(folder, folderName, null,
                    Messages.noPluginModule(folder, modules.keySet())));
        }

        // 4. Requirements, checked by hand for a precise message.
        for (ModuleReference ref : modules.values()) {
            for (ModuleDescriptor.Requires requires : ref.descriptor().requires()) {
                if (requires.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC)) {
                    continue;
                }
                String required = requires.name();
                if (modules.containsKey(required) || platform.findModule(required).isPresent()) {
                    continue;
                }
                String reason = jdk.find(required).isPresent()
                        ? Messages.missingJdkModule(folder, pluginModule, ref.descriptor().name(), required)
                        : Messages.missingModule(folder, pluginModule, ref.descriptor().name(), required);
                return List.of(PluginRecord.failed(folder, folderName, pluginModule, reason));
            }
        }

        // 5. Manifest Add-Exports / Add-Opens / Enable-Native-Access: only for modules of this folder.
        List<Grant> grants = new ArrayList<>();
        Set<String> nativeAccess = new TreeSet<>();
        for (ModuleReference ref : modules.values()) {
            String problem = readGrants(folder, pluginModule, ref, modules, grants, nativeAccess);
            if (problem != null) {
                return List.of(PluginRecord.failed(folder, folderName, pluginModule, problem));
            }
        }
        if (!nativeAccess.isEmpty() && !PluginLocator.class.getModule().isNativeAccessEnabled()) {
            return List.of(PluginRecord.failed(folder, folderName, pluginModule,
                    Messages.hostWithoutNativeAccess(folder, pluginModule, nativeAccess,
                            PluginLocator.class.getModule().getName())));
        }

        // 6. Resolve against the platform and define the layer.
        ModuleLayer layer;
        try {
            Configuration configuration = platform.configuration()
                    .resolveAndBind(ModuleFinder.of(), finder, modules.keySet());
            ModuleLayer.Controller controller = ModuleLayer.defineModulesWithOneLoader(configuration,
                    List.of(platform), ClassLoader.getPlatformClassLoader());
            layer = controller.layer();
            grantGuiceAccess(controller);
            grantManifestAccess(controller, grants);
            for (String name : nativeAccess) {
                controller.enableNativeAccess(layer.findModule(name).orElseThrow());
            }
        } catch (ResolutionException | FindException e) {
            return List.of(PluginRecord.failed(folder, folderName, pluginModule,
                    Messages.unresolvable(folder, pluginModule, Messages.firstLine(String.valueOf(e.getMessage())))));
        } catch (LayerInstantiationException e) {
            return List.of(PluginRecord.failed(folder, folderName, pluginModule,
                    Messages.layerFailed(folder, pluginModule, Messages.firstLine(String.valueOf(e.getMessage())))));
        }

        // 7. Instantiate the plugins defined in this layer (not those of the platform, its parent).
        List<PluginRecord> found = new ArrayList<>();
        try {
            ServiceLoader.load(layer, Plugin.class).stream()
                    .filter(p -> p.type().getModule().getLayer() == layer)
                    .sorted(Comparator.comparing(p -> p.type().getName()))
                    .forEach(p -> found.add(instantiate(p, folder, layer, p.type().getModule().getName())));
        } catch (ServiceConfigurationError e) {
            return List.of(PluginRecord.failed(folder, folderName, pluginModule,
                    Messages.instantiation(pluginModule, folder.toString(), e)));
        }
        if (found.isEmpty()) {
            return List.of(PluginRecord.failed(folder, folderName, pluginModule,
                    Messages.noPluginModule(folder, modules.keySet())));
        }
        return found;
    }

    /** Opens every package of every module in the new layer to Guice (constructor, field and method injection). */
    private void grantGuiceAccess(ModuleLayer.Controller controller) {
        for (Module module : controller.layer().modules()) {
            Set<String> packages = new TreeSet<>(module.getPackages());
            for (String pn : packages) {
                controller.addOpens(module, pn, guice);
            }
        }
    }

    /**
     * One {@code Add-Exports} or {@code Add-Opens} entry of a jar's manifest: export (or open) {@code pkg} of
     * {@code source} to {@code target}, the module of the jar that asked.
     */
    private record Grant(boolean open, String source, String pkg, String target) {
    }

    /**
     * Reads the {@code Add-Exports} and {@code Add-Opens} attributes of {@code ref}'s manifest into {@code grants},
     * and its {@code Enable-Native-Access} attribute into {@code nativeAccess}.
     *
     * @return {@code null} if every entry is acceptable, else the FAILED reason for the first that is not
     */
    private String readGrants(Path folder, String pluginModule, ModuleReference ref, Map<String, ModuleReference> modules,
            List<Grant> grants, Set<String> nativeAccess) {
        String jar = jarName(ref);
        Manifest manifest;
        try (ModuleReader reader = ref.open()) {
            Optional<InputStream> in = reader.open("META-INF/MANIFEST.MF");
            if (in.isEmpty()) {
                return null;
            }
            try (InputStream stream = in.get()) {
                manifest = new Manifest(stream);
            }
        } catch (IOException e) {
            return Messages.unreadableFolder(folder, "the manifest of " + jar + " cannot be read: "
                    + Messages.describe(e));
        }
        String target = ref.descriptor().name();
        String natives = manifest.getMainAttributes().getValue(Messages.ENABLE_NATIVE_ACCESS);
        if (natives != null && !natives.isBlank()) {
            String[] names = natives.strip().split("\\s+");
            if (names.length > MAX_GRANTS) {
                return Messages.tooManyGrants(folder, pluginModule, jar, Messages.ENABLE_NATIVE_ACCESS, names.length,
                        MAX_GRANTS);
            }
            for (String name : names) {
                if (!modules.containsKey(name)) {
                    return Messages.nativeAccessOutsideFolder(folder, pluginModule, jar, name,
                            platform.findModule(name).isPresent() || jdk.find(name).isPresent());
                }
                nativeAccess.add(name);
            }
        }
        for (String attribute : List.of(Messages.ADD_EXPORTS, Messages.ADD_OPENS)) {
            String value = manifest.getMainAttributes().getValue(attribute);
            if (value == null || value.isBlank()) {
                continue;
            }
            String[] entries = value.strip().split("\\s+");
            if (entries.length > MAX_GRANTS) {
                return Messages.tooManyGrants(folder, pluginModule, jar, attribute, entries.length, MAX_GRANTS);
            }
            for (String entry : entries) {
                int slash = entry.indexOf('/');
                if (slash <= 0 || slash == entry.length() - 1 || entry.indexOf('/', slash + 1) >= 0) {
                    return Messages.malformedGrant(folder, pluginModule, jar, attribute, entry);
                }
                String source = entry.substring(0, slash);
                String pkg = entry.substring(slash + 1);
                ModuleReference sourceRef = modules.get(source);
                if (sourceRef == null) {
                    boolean platformModule = platform.findModule(source).isPresent() || jdk.find(source).isPresent();
                    return platformModule
                            ? Messages.platformGrant(folder, pluginModule, jar, attribute, entry, source)
                            : Messages.grantUnknownModule(folder, pluginModule, jar, attribute, entry, source);
                }
                if (!sourceRef.descriptor().packages().contains(pkg)) {
                    return Messages.grantUnknownPackage(folder, pluginModule, jar, attribute, entry, source, pkg);
                }
                grants.add(new Grant(attribute.equals(Messages.ADD_OPENS), source, pkg, target));
            }
        }
        return null;
    }

    /** Grants the checked manifest entries in the new layer. */
    private static void grantManifestAccess(ModuleLayer.Controller controller, List<Grant> grants) {
        ModuleLayer layer = controller.layer();
        for (Grant g : grants) {
            Module source = layer.findModule(g.source()).orElseThrow();
            Module target = layer.findModule(g.target()).orElseThrow();
            if (g.open()) {
                controller.addOpens(source, g.pkg(), target);
            } else {
                controller.addExports(source, g.pkg(), target);
            }
        }
    }

    private static PluginRecord instantiate(ServiceLoader.Provider<Plugin> provider, Path folder, ModuleLayer layer,
            String moduleName) {
        String source = folder == null ? dev.interlock.runtime.PluginStatus.MODULE_PATH : folder.toString();
        String name = folder == null ? moduleName : folder.getFileName().toString();
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        Thread.currentThread().setContextClassLoader(provider.type().getClassLoader());
        try {
            return PluginRecord.discovered(folder, layer, provider.get());
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            Throwable cause = e instanceof ServiceConfigurationError && e.getCause() != null ? e.getCause() : e;
            return PluginRecord.failed(folder, name, moduleName, Messages.instantiation(moduleName, source, cause));
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    private static String jarName(ModuleReference ref) {
        Optional<java.net.URI> location = ref.location();
        if (location.isPresent() && "file".equals(location.get().getScheme())) {
            return Path.of(location.get()).getFileName().toString();
        }
        return location.map(Object::toString).orElse(ref.descriptor().name());
    }
}
