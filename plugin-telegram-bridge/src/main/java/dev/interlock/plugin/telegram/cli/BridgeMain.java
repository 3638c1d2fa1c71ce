package dev.interlock.plugin.telegram.cli;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.PluginCommand;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs the plugin's commands without the launcher:
 * {@code java --module-path <jars> -m dev.interlock.plugin.telegram/dev.interlock.plugin.telegram.cli.BridgeMain
 * daemon|hook [options]}. Production bindings: virtual-thread scheduler, system clock, in-JVM guards; settings
 * come from the command line and the environment only.
 */
public final class BridgeMain {

    private BridgeMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !List.of("daemon", "hook").contains(args[0])) {
            System.err.println("usage: BridgeMain daemon|hook [options]   (--help for the options of each)");
            System.exit(2);
        }
        Scheduler scheduler = Scheduler.virtualThreads();
        String home = System.getProperty("user.home");
        StandaloneContext context = StandaloneContext.of(scheduler, Map.of(),
                Path.of(home, ".local", "share", "interlock", "telegram-bridge"));
        PluginCommand command = args[0].equals("daemon") ? new DaemonCommand() : new HookCommand();
        int status = command.run(context, Arrays.asList(args).subList(1, args.length),
                new PluginCommand.Io(System.in, System.out, System.err));
        System.out.flush();
        System.exit(status);
    }
}
