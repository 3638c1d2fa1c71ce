package dev.interlock.example.hello;

import com.google.inject.Module;
import dev.interlock.api.plugin.Plugin;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The plugin's entry point, named in {@code module-info.java} ({@code provides dev.interlock.api.plugin.Plugin with
 * dev.interlock.example.hello.HelloPlugin}).
 *
 * <p>The host creates one instance with the public no-argument constructor and then:
 * <ol>
 *   <li>reads {@link #id()}, {@link #version()}, {@link #requiredApi()} and {@link #dependencies()} (keep these
 *       cheap and free of side effects: they run before anything is injected);
 *   <li>builds this plugin's Guice injector from the host's bindings plus {@link #module()};
 *   <li>calls {@link #start(PluginContext)} (within the host's start timeout) and, at shutdown,
 *       {@link #stop()} (within the stop timeout).
 * </ol>
 * A command ({@link #commands()}) runs with the injector ready but without {@code start} having been called.
 *
 * <p>Keep the plugin object itself thin: real work lives in injected services ({@link Greeter}) so that it can be
 * tested on its own with the testkit's deterministic scheduler.
 */
public final class HelloPlugin implements Plugin {

    /** The plugin id: also the name of the launcher sub-command and of the data directory. */
    public static final String ID = "hello";

    /** Set by {@link #start}; read by {@link #stop}, which the host may call from another thread. */
    private volatile Greeter greeter;

    /** The public no-argument constructor ServiceLoader needs. Do no work here. */
    public HelloPlugin() {
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String version() {
        return "0.1.0";
    }

    /**
     * The platform API versions this plugin was written for: any 1.x (minor versions only add API). A plugin whose
     * range does not contain the running platform's {@code ApiVersion.CURRENT} is refused with a clear error.
     */
    @Override
    public String requiredApi() {
        return "[1.0,2.0)";
    }

    @Override
    public String description() {
        return "Greets people and keeps a journal of greetings (the example plugin)";
    }

    @Override
    public Module module() {
        return new HelloModule();
    }

    /**
     * Starts the greeter. Return promptly: the host waits for {@code start} with a timeout, and work that runs for
     * a long time belongs on the context's scheduler.
     */
    @Override
    public void start(PluginContext context) throws Exception {
        Greeter g = context.instance(Greeter.class);
        g.start();
        greeter = g;
        context.logger().log(System.Logger.Level.INFO, "hello started; journal in {0}", context.dataDirectory());
    }

    /**
     * Stops the greeter: pending greetings are refused, the running one finishes, a stop marker is written. The host
     * calls this on its own thread and expects it to return: the wait for the greeter is bounded.
     */
    @Override
    public void stop() throws Exception {
        Greeter g = greeter;
        if (g != null) {
            try {
                g.stop().toCompletableFuture().get(Greeter.STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException("hello: the journal did not finish within " + Greeter.STOP_GRACE, e);
            }
        }
    }

    @Override
    public List<PluginCommand> commands() {
        return List.of(new GreetCommand());
    }
}
