package dev.interlock.runtime.launcher;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LauncherDirectoriesTest {

    private static final Path HOME = Path.of("/home/ada");

    @Test
    void defaults_noEnvironment_homeBasedXdgDefaults() {
        LauncherDirectories d = new LauncherDirectories(Map.of(), HOME);
        Path data = d.data(null);
        assertThat(data).isEqualTo(Path.of("/home/ada/.local/share/interlock"));
        assertThat(d.config(null)).isEqualTo(Path.of("/home/ada/.config/interlock"));
        assertThat(d.plugins(null, data)).isEqualTo(Path.of("/home/ada/.local/share/interlock/plugins"));
    }

    @Test
    void defaults_xdgAndInterlockHome_used() {
        LauncherDirectories d = new LauncherDirectories(Map.of("XDG_DATA_HOME", "/x/data", "XDG_CONFIG_HOME",
                "/x/config", "INTERLOCK_HOME", "/opt/interlock"), HOME);
        assertThat(d.data(null)).isEqualTo(Path.of("/x/data/interlock"));
        assertThat(d.config(null)).isEqualTo(Path.of("/x/config/interlock"));
        assertThat(d.plugins(null, d.data(null))).isEqualTo(Path.of("/opt/interlock/plugins"));
    }

    @Test
    void defaults_relativeOrEmptyXdg_ignoredPerSpec() {
        LauncherDirectories d = new LauncherDirectories(Map.of("XDG_DATA_HOME", "rel/data", "XDG_CONFIG_HOME", ""),
                HOME);
        assertThat(d.data(null)).isEqualTo(Path.of("/home/ada/.local/share/interlock"));
        assertThat(d.config(null)).isEqualTo(Path.of("/home/ada/.config/interlock"));
    }

    @Test
    void precedence_optionOverEnvironmentOverDefaults() {
        LauncherDirectories d = new LauncherDirectories(Map.of("INTERLOCK_DATA_DIR", "/e/data", "INTERLOCK_CONFIG_DIR",
                "/e/config", "INTERLOCK_PLUGIN_DIR", "/e/plugins", "INTERLOCK_HOME", "/opt/interlock",
                "XDG_DATA_HOME", "/x/data"), HOME);
        assertThat(d.data(null)).isEqualTo(Path.of("/e/data"));
        assertThat(d.config(null)).isEqualTo(Path.of("/e/config"));
        assertThat(d.plugins(null, d.data(null))).isEqualTo(Path.of("/e/plugins"));
        assertThat(d.data(Path.of("/o/data"))).isEqualTo(Path.of("/o/data"));
        assertThat(d.config(Path.of("/o/config"))).isEqualTo(Path.of("/o/config"));
        assertThat(d.plugins(Path.of("/o/plugins"), null)).isEqualTo(Path.of("/o/plugins"));
    }
}
