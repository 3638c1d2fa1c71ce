package dev.interlock.runtime.launcher;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.runtime.PluginHost;
import dev.interlock.runtime.PluginStatus;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * Adds one sub-command per plugin ({@code interlock <plugin-id>}) and under it one per plugin command
 * ({@code interlock <plugin-id> <command> args...}). A plugin command's arguments are passed to it verbatim,
 * {@code --help} included: the plugin parses them. A FAILED plugin's sub-command prints its reason and exits 1.
 * A plugin whose id equals a built-in command ({@code plugins}, {@code run}, {@code help}) gets no sub-command.
 */
final class PluginCommands {

    private PluginCommands() {
    }

    static void register(CommandLine root, PluginHost host, PluginCommand.Io io) {
        for (PluginStatus status : host.plugins()) {
            if (root.getSubcommands().containsKey(status.id())) {
                continue;
            }
            Group group = new Group(status);
            CommandSpec spec = CommandSpec.wrapWithoutInspection(group);
            spec.version(status.id() + " " + status.version());
            spec.usageMessage().description(description(host, status));
            if (status.failed()) {
                spec.parser().unmatchedArgumentsAllowed(true).stopAtUnmatched(true);
            } else {
                spec.mixinStandardHelpOptions(true);
            }
            CommandLine groupLine = new CommandLine(spec);
            group.self = groupLine;
            if (!status.failed()) {
                for (PluginCommand command : host.commands(status.id())) {
                    Runner runner = new Runner(host, status.id(), command.name(), io);
                    CommandSpec commandSpec = CommandSpec.wrapWithoutInspection(runner);
                    commandSpec.usageMessage().description(command.description());
                    commandSpec.parser().unmatchedArgumentsAllowed(true).stopAtUnmatched(true);
                    CommandLine commandLine = new CommandLine(commandSpec);
                    runner.self = commandLine;
                    groupLine.addSubcommand(command.name(), commandLine);
                }
            }
            root.addSubcommand(status.id(), groupLine);
        }
    }

    private static String description(PluginHost host, PluginStatus status) {
        if (status.failed()) {
            return "(FAILED; see 'interlock plugins' for why)";
        }
        String d = host.description(status.id());
        return d.isEmpty() ? "commands of plugin " + status.id() : d;
    }

    /** {@code interlock <plugin-id>} without a command: the plugin's usage (an error), or a FAILED plugin's reason. */
    private static final class Group implements Callable<Integer> {
        private final PluginStatus status;
        CommandLine self;

        Group(PluginStatus status) {
            this.status = status;
        }

        @Override
        public Integer call() {
            if (status.failed()) {
                self.getErr().println("interlock: plugin '" + status.id() + "' FAILED: " + status.reason());
                return 1;
            }
            self.usage(self.getErr());
            return 2;
        }
    }

    /** {@code interlock <plugin-id> <command> args...}. */
    private static final class Runner implements Callable<Integer> {
        private final PluginHost host;
        private final String pluginId;
        private final String command;
        private final PluginCommand.Io io;
        CommandLine self;

        Runner(PluginHost host, String pluginId, String command, PluginCommand.Io io) {
            this.host = host;
            this.pluginId = pluginId;
            this.command = command;
            this.io = io;
        }

        @Override
        public Integer call() throws Exception {
            List<String> args = List.copyOf(self.getUnmatchedArguments());
            self.getOut().flush();
            return host.runCommand(pluginId, command, args, io);
        }
    }
}
