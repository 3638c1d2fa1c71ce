package dev.interlock.plugin.mse.cli;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.testkit.TestPluginContext;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the mse commands directly, with the context a host would give them (the testkit's). */
record TestContext(TestPluginContext plugin) {

    static TestContext create() {
        return new TestContext(TestPluginContext.of("mse", Scheduler.virtualThreads()));
    }

    /** Output of one command run. */
    record Run(int status, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    Run run(PluginCommand command, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int status = command.run(plugin, List.of(args), new PluginCommand.Io(new ByteArrayInputStream(new byte[0]), o, e));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
