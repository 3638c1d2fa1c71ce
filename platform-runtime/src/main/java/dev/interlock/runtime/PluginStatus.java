package dev.interlock.runtime;

import java.util.Objects;

/**
 * A snapshot of one plugin, as {@code interlock plugins} shows it.
 *
 * @param id      the plugin's id; for a plugin folder that failed before its plugin could be instantiated, the
 *                folder's name
 * @param version the plugin's version, or {@code ""} if it could not be read
 * @param state   its state when the snapshot was taken
 * @param source  {@value #MODULE_PATH} for a plugin found on the JVM's module path, else the absolute path of its
 *                plugin folder
 * @param reason  why it is {@link PluginState#FAILED}: what was wrong, where, and the fix; {@code ""} otherwise
 */
public record PluginStatus(String id, String version, PluginState state, String source, String reason) {

    /** The {@link #source()} of a plugin found on the module path (the boot layer). */
    public static final String MODULE_PATH = "module-path";

    public PluginStatus {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
    }

    /** Whether the plugin is {@link PluginState#FAILED}. */
    public boolean failed() {
        return state == PluginState.FAILED;
    }
}
