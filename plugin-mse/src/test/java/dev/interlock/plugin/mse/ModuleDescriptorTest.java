package dev.interlock.plugin.mse;

import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The module exports only its API, provides the Plugin SPI, and opens only the CLI package, to picocli only. */
class ModuleDescriptorTest {

    private static ModuleDescriptor descriptor() {
        Module m = MsePlugin.class.getModule();
        assertThat(m.isNamed()).as("tests run on the module path").isTrue();
        return m.getDescriptor();
    }

    @Test
    void descriptor_exports_onlyTheApiPackage() {
        assertThat(descriptor().name()).isEqualTo("dev.interlock.plugin.mse");
        assertThat(descriptor().exports()).extracting(ModuleDescriptor.Exports::source)
                .containsExactly("dev.interlock.plugin.mse");
        assertThat(descriptor().exports()).allMatch(e -> !e.isQualified());
    }

    @Test
    void descriptor_provides_pluginSpiWithMsePlugin() {
        Set<String> provides = descriptor().provides().stream()
                .filter(p -> p.service().equals("dev.interlock.api.plugin.Plugin"))
                .flatMap(p -> p.providers().stream()).collect(Collectors.toSet());
        assertThat(provides).containsExactly(MsePlugin.class.getName());
    }

    @Test
    void descriptor_opens_cliToPicocliOnly() {
        assertThat(descriptor().opens()).singleElement().satisfies(o -> {
            assertThat(o.source()).isEqualTo("dev.interlock.plugin.mse.cli");
            assertThat(o.targets()).containsExactly("info.picocli");
        });
    }
}
