package dev.interlock.example.hello;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code interlock hello greet --name <name>}: prints a greeting and records it in the journal.
 *
 * <p>A command receives its arguments as they were typed after the command name and parses them itself (plugins may
 * also use picocli, which the platform ships; this one is small enough not to). It must answer {@code --help}, and
 * it reports usage mistakes on {@code io.err()} with exit status 2, like the launcher does.
 *
 * <p>The host runs a command with the plugin's injector ready but without {@code start} having been called: the
 * command takes what it needs from the injector.
 */
final class GreetCommand implements PluginCommand {

    /** How long the command waits for its greeting to be journaled, in seconds. */
    static final long WAIT_SECONDS = 10;

    private static final String USAGE = """
            Usage: interlock hello greet --name <name>
            Print a greeting and record it in the hello journal (<data-dir>/hello/greetings.log).
              -n, --name <name>   who to greet (printable text, at most max-name-length characters)
              -h, --help          show this help and exit""";

    @Override
    public String name() {
        return "greet";
    }

    @Override
    public String description() {
        return "Print a greeting and record it in the journal";
    }

    @Override
    public int run(PluginContext context, List<String> args, Io io) throws Exception {
        String name = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-h") || arg.equals("--help")) {
                io.out().println(USAGE);
                return 0;
            } else if (arg.equals("-n") || arg.equals("--name")) {
                if (i + 1 == args.size()) {
                    return usageError(io, "option '" + arg + "' needs a value");
                }
                name = args.get(++i);
            } else if (arg.startsWith("--name=")) {
                name = arg.substring("--name=".length());
            } else {
                return usageError(io, "unknown argument '" + arg + "'");
            }
        }
        if (name == null) {
            return usageError(io, "missing --name");
        }

        Greeter greeter = context.instance(Greeter.class);
        try {
            io.out().println(greeter.greet(name).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
            return 0;
        } catch (IllegalArgumentException e) {
            io.err().println(e.getMessage());
            return 2;
        } catch (ExecutionException e) {
            io.err().println("hello: the greeting could not be recorded: " + e.getCause());
            return 1;
        } catch (TimeoutException e) {
            io.err().println("hello: the journal did not answer within " + WAIT_SECONDS + " s");
            return 1;
        }
    }

    private static int usageError(Io io, String problem) {
        io.err().println("hello greet: " + problem);
        io.err().println(USAGE);
        return 2;
    }
}
