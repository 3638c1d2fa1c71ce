package dev.interlock.runtime.internal;

import dev.interlock.api.plugin.PluginConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PluginConfigsTest {

    @TempDir
    Path dir;

    @Test
    void load_fileAndOverrides_overridesWinAndTypedGettersParse() throws Exception {
        Files.writeString(dir.resolve("p.properties"), "a=1\nb=file\nwait=500ms\nflag=TRUE\nname=K\\u00e4the\n");
        PluginConfig c = PluginConfigs.load("p", dir, Map.of("b", "override"));
        assertThat(c.getInt("a", 0)).isEqualTo(1);
        assertThat(c.get("b")).contains("override");
        assertThat(c.getDuration("wait", Duration.ZERO)).isEqualTo(Duration.ofMillis(500));
        assertThat(c.getBoolean("flag", false)).isTrue();
        assertThat(c.get("name", "")).isEqualTo("Käthe");
        assertThat(c.getInt("missing", 7)).isEqualTo(7);
        assertThat(c.keys()).containsExactly("a", "b", "flag", "name", "wait");
        assertThatThrownBy(() -> c.asMap().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void load_noFile_onlyOverrides() {
        assertThat(PluginConfigs.load("p", dir, Map.of("k", "v")).asMap()).containsExactly(Map.entry("k", "v"));
        assertThat(PluginConfigs.load("p", null, Map.of()).keys()).isEmpty();
    }

    @Test
    void getters_badValues_nameKeyValueAndExpectation() {
        PluginConfig c = PluginConfigs.load("p", null, Map.of("n", "ten", "d", "-5s", "b", "yes"));
        assertThatThrownBy(() -> c.getInt("n", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("plugin 'p': config key 'n' has value 'ten'; expected an integer between -2147483648 and"
                        + " 2147483647. Fix: correct it in p.properties.");
        assertThatThrownBy(() -> c.getDuration("d", Duration.ZERO)).hasMessageContaining("'-5s'")
                .hasMessageContaining("a non-negative duration such as PT5S, 500ms, 5s, 2m, 1h or 1d");
        assertThatThrownBy(() -> c.getBoolean("b", false)).hasMessageContaining("expected true or false");
    }

    @Test
    void getters_badValueOfSecretLookingKey_valueNotInMessage() {
        PluginConfig c = PluginConfigs.load("p", null, Map.of("api-token", "s3cr3t-value"));
        assertThatThrownBy(() -> c.getInt("api-token", 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config key 'api-token' has value (value hidden: the key looks secret)")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void parseDuration_forms_parsedOrNull() {
        assertThat(PluginConfigs.parseDuration("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThat(PluginConfigs.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(PluginConfigs.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(PluginConfigs.parseDuration("3d")).isEqualTo(Duration.ofDays(3));
        assertThat(PluginConfigs.parseDuration("5 s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(PluginConfigs.parseDuration("5 weeks")).isNull();
        assertThat(PluginConfigs.parseDuration("999999999999999999d")).isNull();
        assertThat(PluginConfigs.parseDuration("Pxyz")).isNull();
    }

    @Test
    void load_oversizedOrNotUtf8File_refusedNamingTheFile() throws Exception {
        Path big = dir.resolve("big.properties");
        Files.write(big, new byte[PluginConfigs.MAX_CONFIG_BYTES + 1]);
        assertThatThrownBy(() -> PluginConfigs.load("big", dir, Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("plugin 'big': its configuration " + big + " cannot be read: it has "
                        + (PluginConfigs.MAX_CONFIG_BYTES + 1) + " bytes.");
        Path latin1 = dir.resolve("latin.properties");
        Files.write(latin1, new byte[] {'k', '=', (byte) 0xE4, '\n'});
        assertThatThrownBy(() -> PluginConfigs.load("latin", dir, Map.of()))
                .hasMessageContaining("cannot be read: it is not valid UTF-8");
    }
}
