package dev.interlock.api.plugin;

import java.util.function.Consumer;

/**
 * A plugin's guided tour: its real scenario, run end to end over loopback with embedded defaults (embedded servers,
 * emulators and peers included), so that {@code interlock demo} can show what the plugin does and prove its
 * invariants on the machine at hand.
 *
 * <p>A scenario must be self-contained (no configuration, no network beyond loopback, no files outside
 * {@link PluginContext#dataDirectory()} or a temporary directory it deletes), finish within about ten seconds on a
 * two-core machine, release everything it started (sockets, servers, threads) before returning, and never print
 * secrets. It runs with the plugin's injector ready but without {@link Plugin#start} having been called.
 */
public interface DemoScenario {

    /** One line: what the scenario runs, e.g. "two peers handshake across the 16-pair policy matrix". */
    String description();

    /**
     * Runs the scenario.
     *
     * @param context  the plugin's context
     * @param progress receives short progress lines while it runs (must not block)
     * @return the invariants checked; a scenario that cannot complete throws instead
     */
    DemoResult run(PluginContext context, Consumer<String> progress) throws Exception;
}
