package dev.interlock.testkit;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestPluginContextTest {

    @Test
    void of_defaults_emptyConfigTmpDirGuardsOverTheScheduler() {
        DeterministicScheduler scheduler = new DeterministicScheduler(1);
        TestPluginContext context = TestPluginContext.of("demo", scheduler);
        assertThat(context.pluginId()).isEqualTo("demo");
        assertThat(context.scheduler()).isSameAs(scheduler);
        assertThat(context.guard().scheduler()).isSameAs(scheduler);
        assertThat(context.config().keys()).isEmpty();
        assertThat(context.config().getInt("n", 7)).isEqualTo(7);
        assertThat(context.config().getDuration("d", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
        assertThat(context.dataDirectory()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @Test
    void instance_registeredOrNot_returnedOrClearError() {
        TestPluginContext base = TestPluginContext.of("demo", new DeterministicScheduler(1));
        TestPluginContext withOne = base.withInstance(CharSequence.class, "hello");
        assertThat(withOne.instance(CharSequence.class)).isEqualTo("hello");
        assertThatThrownBy(() -> base.instance(CharSequence.class)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no instance of java.lang.CharSequence")
                .hasMessageContaining("withInstance(CharSequence.class, ...)");
        assertThat(base.withDataDirectory(Path.of("/x")).dataDirectory()).isEqualTo(Path.of("/x"));
    }
}
