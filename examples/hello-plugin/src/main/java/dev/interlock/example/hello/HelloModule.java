package dev.interlock.example.hello;

import com.google.inject.AbstractModule;
import com.google.inject.Singleton;

/**
 * The plugin's own Guice bindings. The host has already bound, in this plugin's injector:
 * {@link dev.interlock.api.plugin.PluginContext}, {@link dev.interlock.api.plugin.PluginConfig},
 * {@link dev.interlock.api.guard.ConcurrencyGuard}, {@link dev.interlock.api.exec.Scheduler} and
 * {@link java.time.Clock}. Do not bind those again (Guice would report a duplicate binding).
 */
final class HelloModule extends AbstractModule {

    @Override
    protected void configure() {
        // One Greeter per plugin: its journal lane must be shared by everyone who greets.
        bind(Greeter.class).in(Singleton.class);
    }
}
