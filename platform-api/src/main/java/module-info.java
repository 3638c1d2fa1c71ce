/**
 * The Interlock platform API: the concurrency guards ({@link dev.interlock.api.guard.ConcurrencyGuard}) with their
 * provider SPI and in-JVM provider, injected time and execution ({@link dev.interlock.api.exec.Scheduler}), and the
 * Plugin SPI ({@link dev.interlock.api.plugin.Plugin}).
 */
module dev.interlock.api {
    requires transitive com.google.guice;
    requires com.github.benmanes.caffeine;

    exports dev.interlock.api.exec;
    exports dev.interlock.api.guard;
    exports dev.interlock.api.guard.spi;
    exports dev.interlock.api.plugin;

    uses dev.interlock.api.guard.spi.ConcurrencyGuardProvider;
    uses dev.interlock.api.plugin.Plugin;

    provides dev.interlock.api.guard.spi.ConcurrencyGuardProvider
            with dev.interlock.internal.guard.InJvmGuardProvider;
}
