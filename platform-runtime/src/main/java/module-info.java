/**
 * The Interlock plugin host and the {@code interlock} launcher.
 *
 * <p>Exports one package, {@link dev.interlock.runtime}: {@link dev.interlock.runtime.PluginHost} (built with a small
 * builder) and its status types. Everything else is implementation: {@code dev.interlock.runtime.internal} (layers,
 * injection, lifecycle) and {@code dev.interlock.runtime.launcher} (the picocli command line; opened to picocli,
 * which reads its annotations reflectively).
 */
module dev.interlock.runtime {
    requires transitive dev.interlock.api;
    requires info.picocli;
    requires java.logging;
    // sun.misc.Signal (the launcher's graceful SIGTERM / Ctrl-C handling), and so that jdk.unsupported is in the boot
    // layer: Guice (an automatic module) needs it to define its generated classes next to the plugins' classes.
    requires jdk.unsupported;

    exports dev.interlock.runtime;

    opens dev.interlock.runtime.launcher to info.picocli;

    uses dev.interlock.api.plugin.Plugin;
}
