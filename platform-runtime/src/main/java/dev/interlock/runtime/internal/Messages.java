package dev.interlock.runtime.internal;

import dev.interlock.api.plugin.ApiVersion;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * Every reason the host gives for a FAILED plugin, in one place: each names the plugin (or its folder), where it came
 * from, the module involved, what was wrong, and the fix. Tests compare some of these with golden files, so change
 * the wording deliberately.
 */
final class Messages {

    static final String PLUGIN_SERVICE = "dev.interlock.api.plugin.Plugin";
    static final String GUICE_MODULE = "com.google.guice";
    /** The manifest attribute that asks for a qualified export to the jar's own module. */
    static final String ADD_EXPORTS = "Add-Exports";
    /** The manifest attribute that asks for a qualified open to the jar's own module. */
    static final String ADD_OPENS = "Add-Opens";
    /** The manifest attribute that asks for native access for modules of the plugin's own folder. */
    static final String ENABLE_NATIVE_ACCESS = "Enable-Native-Access";

    private Messages() {
    }

    static String looseJar(Path pluginDir, String jarName) {
        String stem = jarName.substring(0, jarName.length() - ".jar".length());
        return "'" + jarName + "' lies directly in the plugins directory " + pluginDir
                + "; each plugin must be a folder of jars. Fix: move it to " + pluginDir.resolve(stem).resolve(jarName)
                + ".";
    }

    static String emptyFolder(Path folder) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + ") contains no .jar file. Fix: put the plugin's"
                + " jar (and the jars of libraries it needs that the platform does not provide) into it, or delete the"
                + " folder.";
    }

    static String unreadableFolder(Path folder, String problem) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + ") cannot be read as a set of modules: "
                + problem + ". Fix: keep only valid modular or automatic-module jars in the folder, each module once.";
    }

    static String platformModuleCopy(Path folder, String pluginModule, String module, String jarName) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + ") carries its own copy of platform module '" + module + "' in " + jarName
                + "; a plugin must use the platform's copy, because two copies of one module cannot share types. Fix:"
                + " delete " + folder.resolve(jarName) + " (in Maven, give that dependency <scope>provided</scope> so"
                + " it is not copied into the plugin folder).";
    }

    static String noPluginModule(Path folder, Collection<String> modules) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + ") holds no module that provides "
                + PLUGIN_SERVICE + " (modules found: " + String.join(", ", modules) + "). Fix: add 'provides "
                + PLUGIN_SERVICE + " with <your Plugin class>;' to the plugin's module-info.java.";
    }

    static String missingModule(Path folder, String pluginModule, String module, String required) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): module '" + module + "' requires module '" + required + "', which is neither in the folder nor"
                + " in the platform. Fix: copy the jar of module '" + required + "' into " + folder
                + ", or remove 'requires " + required + ";' from the module-info.java of '" + module + "'.";
    }

    static String missingJdkModule(Path folder, String pluginModule, String module, String required) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): module '" + module + "' requires JDK module '" + required + "', which the platform's JVM did"
                + " not load. Fix: start the platform with '--add-modules " + required
                + "' (for bin/interlock: INTERLOCK_OPTS='--add-modules " + required + "').";
    }

    static String platformGrant(Path folder, String pluginModule, String jar, String attribute, String entry,
            String module) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): the manifest of " + jar + " asks for '" + attribute + ": " + entry + "', but '" + module
                + "' is a platform module (in the platform's boot layer or the JDK), and a platform module cannot be"
                + " exported or opened to a plugin at run time; the host grants " + ADD_EXPORTS + " and " + ADD_OPENS
                + " only for modules in the plugin's own folder. Fix: remove '" + entry + "' from the " + attribute
                + " attribute of " + jar + "'s manifest and use only what '" + module + "' exports.";
    }

    static String grantUnknownModule(Path folder, String pluginModule, String jar, String attribute, String entry,
            String module) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): the manifest of " + jar + " asks for '" + attribute + ": " + entry + "', but module '" + module
                + "' is not in the folder. Fix: copy the jar of module '" + module + "' into " + folder
                + ", or remove '" + entry + "' from the " + attribute + " attribute of " + jar + "'s manifest.";
    }

    static String grantUnknownPackage(Path folder, String pluginModule, String jar, String attribute, String entry,
            String module, String pkg) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): the manifest of " + jar + " asks for '" + attribute + ": " + entry + "', but module '" + module
                + "' has no package '" + pkg + "'. Fix: correct the package name in the " + attribute
                + " attribute of " + jar + "'s manifest.";
    }

    static String malformedGrant(Path folder, String pluginModule, String jar, String attribute, String entry) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): the manifest of " + jar + " has '" + entry + "' in its " + attribute + " attribute, which is not"
                + " of the form <module>/<package>. Fix: list space-separated <module>/<package> entries, e.g. '"
                + attribute + ": org.example.lib/org.example.lib.internal'.";
    }

    static String tooManyGrants(Path folder, String pluginModule, String jar, String attribute, int count, int max) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): the manifest of " + jar + " lists " + count + " entries in its " + attribute + " attribute; at"
                + " most " + max + " are accepted. Fix: list only the packages the plugin really uses.";
    }

    static String nativeAccessOutsideFolder(Path folder, String pluginModule, String jar, String module,
            boolean platformModule) {
        String where = platformModule
                ? "'" + module + "' is a platform module, whose native access only the JVM command line can enable."
                + " Fix: remove it from the attribute and start the platform with '--enable-native-access=" + module
                + "' (for bin/interlock: INTERLOCK_OPTS)."
                : "module '" + module + "' is not in the folder. Fix: copy its jar into " + folder
                + ", or remove '" + module + "' from the attribute.";
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): the manifest of " + jar + " asks for '" + ENABLE_NATIVE_ACCESS + ": " + module + "', but "
                + where;
    }

    static String hostWithoutNativeAccess(Path folder, String pluginModule, java.util.Set<String> modules,
            String hostModule) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + "): its manifest asks for native access for " + modules + ", but the host module '" + hostModule
                + "' has no native access itself, so it cannot grant any. Fix: start the JVM with"
                + " '--enable-native-access=" + hostModule + "' (bin/interlock does).";
    }

    static String unresolvable(Path folder, String pluginModule, String problem) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + ") cannot be resolved against the platform: " + problem + ". Fix: make every module the folder's"
                + " modules require available, either in the folder or in the platform, and do not repeat platform"
                + " packages.";
    }

    static String layerFailed(Path folder, String pluginModule, String problem) {
        return "plugin folder '" + folder.getFileName() + "' (" + folder + pluginModuleSuffix(pluginModule)
                + ") could not be loaded: " + problem + ". Fix: check that its packages do not overlap with the"
                + " platform's or with each other.";
    }

    static String instantiation(String module, String source, Throwable problem) {
        return "the plugin class of module '" + module + "' (" + source + ") could not be instantiated: "
                + describe(problem) + ". Fix: give the plugin class a public no-argument constructor that does no"
                + " work, or a public static provider() method.";
    }

    static String metadata(String who, String source, Throwable problem) {
        return "plugin " + who + " (" + source + ") threw while its id, version, requiredApi, dependencies or"
                + " commands were read: " + describe(problem) + ". Fix: make these methods plain getters.";
    }

    static String badId(String id, String module, String source, String pluginClass) {
        return "plugin id '" + id + "' (module '" + module + "', " + source + ") is not valid: an id is 1 to "
                + PluginRecord.MAX_ID_LENGTH + " lower-case letters, digits and '-', starting with a letter or digit."
                + " Fix: change id() in " + pluginClass + ".";
    }

    static String badApiRange(String id, String module, String source, String range, String problem) {
        return "plugin '" + id + "' (module '" + module + "', " + source + ") declares requiredApi '" + range
                + "', which is not a version range: " + problem + ". Fix: return a range such as \"[1.0,2.0)\" from"
                + " requiredApi().";
    }

    static String incompatibleApi(String id, String module, String source, String range) {
        ApiVersion current = ApiVersion.CURRENT;
        return "plugin '" + id + "' (module '" + module + "', " + source + ") requires platform API " + range
                + ", but this platform provides API " + current + ". Fix: install a version of '" + id
                + "' built for platform API " + current + " (its requiredApi() must contain " + current
                + "), or run it on a platform whose API is in " + range + ".";
    }

    static String duplicateId(String id, List<String> providers) {
        return "plugin id '" + id + "' is provided more than once: by " + String.join(" and by ", providers)
                + "; none of them is loaded. Fix: remove all but one of them.";
    }

    static String unknownDependency(String id, String dependency, String pluginDirectory) {
        return "plugin '" + id + "' depends on plugin '" + dependency + "', which is not installed. Fix: install '"
                + dependency + "' (" + pluginDirectory + "), or remove '" + dependency + "' from the dependencies() of '"
                + id + "'.";
    }

    static String failedDependency(String id, String dependency) {
        return "plugin '" + id + "' depends on plugin '" + dependency + "', which FAILED. Fix: repair '" + dependency
                + "' first (see its reason).";
    }

    static String cycle(String id, List<String> cycle) {
        return "plugin '" + id + "' is part of a dependency cycle: " + String.join(" -> ", cycle)
                + ". Fix: remove one of these dependencies.";
    }

    static String dependencyNotStarted(String id, String dependency) {
        return "plugin '" + id + "' was not started because plugin '" + dependency + "', which it depends on, did not"
                + " start. Fix: repair '" + dependency + "' first (see its reason).";
    }

    static String dataDirectory(String id, Path dir, Throwable problem) {
        return "plugin '" + id + "': its data directory " + dir + " could not be prepared: " + describe(problem)
                + ". Fix: make " + dir + " a real directory this user can write (or choose another data root,"
                + " e.g. with --data-dir).";
    }

    static String config(String id, Path file, String problem) {
        return "plugin '" + id + "': its configuration " + file + " cannot be read: " + problem + ". Fix: correct the"
                + " file (Java properties format, UTF-8, at most " + PluginConfigs.MAX_CONFIG_BYTES + " bytes).";
    }

    static String injection(String id, String module, String source, String problem) {
        return "plugin '" + id + "' (module '" + module + "', " + source + ") could not be injected: " + problem
                + ". Fix: correct the bindings in the plugin's module().";
    }

    static String missingOpens(String id, String module, Collection<String> packages, String problem) {
        String first = packages.iterator().next();
        return "plugin '" + id + "' (module '" + module + "', on the module path) could not be injected because Guice"
                + " has no reflective access to its package" + (packages.size() == 1 ? " " : "s ")
                + String.join(", ", packages) + " (" + problem + "). The host grants this access only to plugins it"
                + " loads from the plugins directory; a plugin on the module path must grant it itself. Fix: add"
                + " 'opens " + first + " to " + GUICE_MODULE + ";' (and the same for each package listed) to the"
                + " module-info.java of '" + module + "', or install the plugin as a folder in the plugins directory"
                + " instead.";
    }

    static String timedOut(String phase, Duration timeout) {
        return phase + "() did not return within " + timeout.toMillis() + " ms; it was interrupted and abandoned."
                + " Fix: return from " + phase + "() promptly and run long work on the context's scheduler, or raise"
                + " the host's " + phase + " timeout.";
    }

    static String threw(String phase, Throwable problem) {
        return phase + "() threw " + describe(problem);
    }

    static String describe(Throwable t) {
        String message = t.getMessage();
        return t.getClass().getName() + (message == null || message.isBlank() ? "" : ": " + firstLine(message));
    }

    static String firstLine(String text) {
        String trimmed = text.strip();
        int nl = trimmed.indexOf('\n');
        return nl < 0 ? trimmed : trimmed.substring(0, nl).strip();
    }

    private static String pluginModuleSuffix(String pluginModule) {
        return pluginModule == null ? "" : ", plugin module '" + pluginModule + "'";
    }
}
