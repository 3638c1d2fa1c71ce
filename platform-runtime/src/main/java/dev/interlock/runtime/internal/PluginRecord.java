package dev.interlock.runtime.internal;

import com.google.inject.Injector;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.runtime.PluginState;
import dev.interlock.runtime.PluginStatus;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything the host knows about one plugin (or one plugin folder that failed before a plugin object existed).
 * Mutated only by {@link HostEngine} while it holds its lock; {@link #status()} snapshots are immutable.
 */
final class PluginRecord {

    /** The longest plugin id, in characters (ids name directories and launcher sub-commands). */
    static final int MAX_ID_LENGTH = 64;
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0," + (MAX_ID_LENGTH - 1) + "}");

    /** The plugin folder, or {@code null} for a plugin on the module path. */
    final Path folder;
    /** {@link PluginStatus#MODULE_PATH} or the folder's path. */
    final String source;
    /** The layer the plugin's classes live in (the boot layer for the module path). */
    final ModuleLayer layer;
    final Plugin plugin;

    String id;
    String version = "";
    String moduleName;
    Set<String> dependencies = Set.of();
    List<PluginCommand> commands = List.of();
    Injector injector;
    HostPluginContext context;
    /** Volatile: lock-free readers (runCommand) check it while start/stop change it under the host's lock. */
    private volatile PluginState state;
    private volatile String reason = "";

    private PluginRecord(Path folder, String source, ModuleLayer layer, Plugin plugin, String id, String moduleName,
            PluginState state) {
        this.folder = folder;
        this.source = source;
        this.layer = layer;
        this.plugin = plugin;
        this.id = id;
        this.moduleName = moduleName;
        this.state = state;
    }

    /** A plugin object that was found and instantiated. */
    static PluginRecord discovered(Path folder, ModuleLayer layer, Plugin plugin) {
        Module module = plugin.getClass().getModule();
        String source = folder == null ? PluginStatus.MODULE_PATH : folder.toString();
        String provisionalId = folder == null ? module.getName() : folder.getFileName().toString();
        return new PluginRecord(folder, source, layer, plugin, provisionalId, module.getName(), PluginState.DISCOVERED);
    }

    /** A folder or module that failed before a plugin object existed; its id is the folder's (or module's) name. */
    static PluginRecord failed(Path folder, String name, String moduleName, String reason) {
        String source = folder == null ? PluginStatus.MODULE_PATH : folder.toString();
        PluginRecord r = new PluginRecord(folder, source, null, null, name, moduleName, PluginState.FAILED);
        r.reason = Objects.requireNonNull(reason);
        return r;
    }

    static boolean validId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    PluginState state() {
        return state;
    }

    String reason() {
        return reason;
    }

    boolean isFailed() {
        return state == PluginState.FAILED;
    }

    void moveTo(PluginState next) {
        if (state == PluginState.FAILED) {
            throw new IllegalStateException("plugin '" + id + "' is FAILED; it cannot become " + next);
        }
        state = next;
    }

    /** Marks the plugin FAILED; the first reason is kept if it had already failed. */
    void fail(String why) {
        if (state != PluginState.FAILED) {
            state = PluginState.FAILED;
            reason = Objects.requireNonNull(why);
        }
    }

    /** Where the plugin's classes are loaded from, for the thread context class loader. */
    ClassLoader classLoader() {
        return plugin == null ? PluginRecord.class.getClassLoader() : plugin.getClass().getClassLoader();
    }

    /** "module 'm' (source)" for messages. */
    String describe() {
        return "module '" + moduleName + "' (" + source + ")";
    }

    PluginStatus status() {
        return new PluginStatus(id, version == null ? "" : version, state, source, reason);
    }
}
