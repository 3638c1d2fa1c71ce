package dev.interlock.api.plugin;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;

/**
 * A command a plugin adds to the launcher: {@code interlock <plugin-id> <name> args...}. The plugin parses its own
 * arguments (it may use picocli, which the platform ships) and must answer {@code --help}.
 */
public interface PluginCommand {

    /** The command's name, e.g. {@code "connect"}. */
    String name();

    /** One line, shown in {@code interlock <plugin-id> --help}. */
    String description();

    /**
     * Runs the command.
     *
     * @param context the plugin's context (injector ready, plugin not started)
     * @param args    the arguments after the command name
     * @param io      standard streams
     * @return the process exit status: 0 for success
     */
    int run(PluginContext context, List<String> args, Io io) throws Exception;

    /** The streams a command reads and writes. */
    record Io(InputStream in, PrintStream out, PrintStream err) {
    }
}
