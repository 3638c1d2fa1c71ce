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
 * </ul>
 */
module dev.interlock.example.hello {
    requires dev.interlock.api;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.example.hello.HelloPlugin;
}
