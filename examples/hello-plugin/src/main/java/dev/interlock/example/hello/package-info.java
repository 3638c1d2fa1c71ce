/**
 * The hello plugin. Read the classes in this order:
 * <ol>
 *   <li>{@link dev.interlock.example.hello.HelloPlugin}: the entry point the host finds (id, version, the API range,
 *       the Guice module, start/stop, commands);
 *   <li>{@link dev.interlock.example.hello.HelloModule}: the plugin's own Guice bindings;
 *   <li>{@link dev.interlock.example.hello.Greeter}: a service built by constructor injection from what the host
 *       provides (the {@link dev.interlock.api.guard.ConcurrencyGuard}, the plugin's config and data directory, the
 *       clock);
 *   <li>{@link dev.interlock.example.hello.GreetCommand}: a command the plugin adds to the launcher,
 *       {@code interlock hello greet --name X}.
 * </ol>
 */
package dev.interlock.example.hello;
