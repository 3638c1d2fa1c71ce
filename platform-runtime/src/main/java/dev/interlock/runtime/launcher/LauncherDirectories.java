package dev.interlock.runtime.launcher;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the launcher looks for plugins, data and configuration when no option says otherwise. Precedence, highest
 * first: the command-line option; {@code INTERLOCK_PLUGIN_DIR} / {@code INTERLOCK_DATA_DIR} /
 * {@code INTERLOCK_CONFIG_DIR}; then:
 * <ul>
 *   <li>data: {@code $XDG_DATA_HOME/interlock}, else {@code ~/.local/share/interlock};
 *   <li>config: {@code $XDG_CONFIG_HOME/interlock}, else {@code ~/.config/interlock};
 *   <li>plugins: {@code $INTERLOCK_HOME/plugins} (bin/interlock sets {@code INTERLOCK_HOME} to its installation),
 *       else {@code <data>/plugins}.
 * </ul>
 * Per the XDG base-directory specification, a relative {@code XDG_*} value is ignored. Empty values count as unset.
 *
 * @param env  the environment
 * @param home the user's home directory
 */
record LauncherDirectories(Map<String, String> env, Path home) {

    Path data(Path option) {
        if (option != null) {
            return option;
        }
        String explicit = value("INTERLOCK_DATA_DIR");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = absolute("XDG_DATA_HOME");
        return xdg != null ? Path.of(xdg, "interlock") : home.resolve(".local/share/interlock");
    }

    Path config(Path option) {
        if (option != null) {
            return option;
        }
        String explicit = value("INTERLOCK_CONFIG_DIR");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String xdg = absolute("XDG_CONFIG_HOME");
        return xdg != null ? Path.of(xdg, "interlock") : home.resolve(".config/interlock");
    }

    Path plugins(Path option, Path data) {
        if (option != null) {
            return option;
        }
        String explicit = value("INTERLOCK_PLUGIN_DIR");
        if (explicit != null) {
            return Path.of(explicit);
        }
        String installation = value("INTERLOCK_HOME");
        return installation != null ? Path.of(installation, "plugins") : data.resolve("plugins");
    }

    private String value(String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }

    private String absolute(String name) {
        String v = value(name);
        return v != null && Path.of(v).isAbsolute() ? v : null;
    }
}
