package dev.interlock.internal.guard;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.spi.ConcurrencyGuardProvider;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InJvmGuardProviderTest {

    @Test
    void serviceLoader_findsInJvmProvider() {
        ManualScheduler s = new ManualScheduler();
        ConcurrencyGuard g = ConcurrencyGuard.inJvm(s);
        assertThat(g.providerName()).isEqualTo("in-jvm");
        assertThat(g.scheduler()).isSameAs(s);
        assertThat(ServiceLoader.load(ConcurrencyGuardProvider.class).stream().map(p -> p.get().name()))
                .contains(ConcurrencyGuard.IN_JVM);
    }

    @Test
    void load_unknownProvider_namesTheProvidersFound() {
        assertThatThrownBy(() -> ConcurrencyGuard.load("postgres", new ManualScheduler()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("postgres")
                .hasMessageContaining("in-jvm");
    }

    @Test
    void create_nullScheduler_rejected() {
        assertThatThrownBy(() -> new InJvmGuardProvider().create(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("scheduler");
    }

    @Test
    void guards_nameAppearsInToString() {
        ConcurrencyGuard g = ConcurrencyGuard.inJvm(new ManualScheduler());
        assertThat(g.newKeyedMutex("m1")).hasToString("KeyedMutex[m1, activeKeys=0]");
        assertThat(g.newOperationQueue("q1", 3).toString()).contains("q1");
        assertThat(g.newKeyedOperationQueue("kq1", 3).toString()).contains("kq1");
        assertThat(g.newSingleFlight("sf1").toString()).contains("sf1");
        assertThat(g.newWatch("w1", 0).toString()).contains("w1");
    }

    @Test
    void moduleDescriptor_exportsOnlyApiAndProvidesInJvm() throws Exception {
        ModuleDescriptor d;
        java.nio.file.Path root = java.nio.file.Path.of(
                Scheduler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = java.nio.file.Files.newInputStream(root.resolve("module-info.class"))) {
            assertThat(in).as("module-info.class on the class path").isNotNull();
            d = ModuleDescriptor.read(in);
        }
        assertThat(d.name()).isEqualTo("dev.interlock.api");
        assertThat(d.exports().stream().map(ModuleDescriptor.Exports::source).collect(Collectors.toSet()))
                .allMatch(p -> p.startsWith("dev.interlock.api"))
                .noneMatch(p -> p.contains("internal"));
        assertThat(d.provides()).anySatisfy(p -> {
            assertThat(p.service()).isEqualTo(ConcurrencyGuardProvider.class.getName());
            assertThat(p.providers()).containsExactly(InJvmGuardProvider.class.getName());
        });
    }
}
