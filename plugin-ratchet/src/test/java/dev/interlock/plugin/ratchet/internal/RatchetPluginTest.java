package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.plugin.ApiVersion;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.VersionRange;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RatchetPluginTest {

    @Test
    void plugin_identity_ratchetWithTheSoakCommandAndTheCurrentApi() {
        RatchetPlugin plugin = new RatchetPlugin();
        assertThat(plugin.id()).isEqualTo("ratchet");
        assertThat(VersionRange.parse(plugin.requiredApi()).contains(ApiVersion.CURRENT)).isTrue();
        assertThat(plugin.commands()).extracting(PluginCommand::name).containsExactly("soak");
    }

    @Test
    void moduleDescriptor_providesThePluginAndExportsOnlyTheApi() {
        Module module = RatchetPlugin.class.getModule();
        if (!module.isNamed()) {
            return; // tests run on the module path; the descriptor is only checkable there
        }
        ModuleDescriptor d = module.getDescriptor();
        assertThat(d.name()).isEqualTo("dev.interlock.plugin.ratchet");
        assertThat(d.provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo(Plugin.class.getName());
            assertThat(p.providers()).containsExactly(RatchetPlugin.class.getName());
        });
        Set<String> exported = d.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
        assertThat(exported).containsExactly("dev.interlock.plugin.ratchet");
    }

    @Test
    void optionsFrom_badWindow_failsNamingThePluginAndTheValue() {
        var config = new dev.interlock.plugin.ratchet.cli.SoakCommandTestAccess().config(Map.of("window", "1"));
        assertThatThrownBy(() -> RatchetPlugin.optionsFrom(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ratchet plugin configuration").hasMessageContaining("window must be 2..1024");
        var good = new dev.interlock.plugin.ratchet.cli.SoakCommandTestAccess().config(Map.of("window", "8",
                "rekey-timeout", "PT5S"));
        assertThat(RatchetPlugin.optionsFrom(good).window()).isEqualTo(8);
    }
}
