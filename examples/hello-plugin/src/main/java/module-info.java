/**
 * The hello plugin: the smallest complete Interlock plugin, and the template to copy when you write your own.
 *
 * <h2>What a plugin module declares</h2>
 * <ul>
 *   <li>{@code requires dev.interlock.api}: the only platform module a plugin codes against. It brings Guice
 *       ({@code com.google.guice}) with it, for {@code @Inject} and {@code AbstractModule}.
 *   <li>{@code provides dev.interlock.api.plugin.Plugin with ...}: how the host finds the plugin (ServiceLoader in the
 *       plugin's own module layer).
 *   <li>No {@code exports}: nothing outside the plugin needs its classes.
 *   <li>No {@code opens ... to com.google.guice}: when the plugin is installed in the plugins directory, the host
 *       grants Guice reflective access to every package of the plugin's modules as it defines the plugin's layer.
 *       (Only a plugin put on the JVM's module path itself, next to the platform, must declare
 *       {@code opens <package> to com.google.guice;}, because access to the boot layer cannot be granted at run
 *       time; the host says so, naming the package, if it is missing.)
 *   <li>If a library in your plugin folder keeps a package you need unexported (or closed to reflection), do not
 *       patch it: ask the host in your jar's manifest, with the JDK's executable-jar attributes
 *       ({@code Add-Exports: lib.module/lib.package} and {@code Add-Opens: ...}, space-separated
 *       {@code <module>/<package>} entries; in Maven, maven-jar-plugin's
 *       {@code <archive><manifestEntries>}). The host grants them to your jar's module alone when it defines the
 *       plugin's layer, and only for modules in your own folder: a platform or JDK module cannot be opened at run
 *       time, and asking for one makes the plugin FAILED with the fix. Compile with the matching
 *       {@code --add-exports lib.module/lib.package=your.module}.
 *   <li>Optionally a demo: override {@code Plugin.demo()} to return a {@code DemoScenario} (a class in an unexported
 *       package) that runs your plugin's real scenario over loopback and returns the invariants it checked;
 *       {@code interlock demo} runs it, with your plugin injected but not started, and shows a table.
 * </ul>
 */
module dev.interlock.example.hello {
    requires dev.interlock.api;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.example.hello.HelloPlugin;
}
