package dev.interlock.plugin.ratchet.cli;

import dev.interlock.api.plugin.PluginCommand;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.internal.RatchetPlugin;
import dev.interlock.plugin.ratchet.internal.RekeyRace;
import dev.interlock.testkit.DeterministicScheduler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;

/**
 * {@code interlock ratchet soak --rounds N --min-delay MS --seeds K}: the reference race between two endpoints over a
 * simulated link on the testkit's deterministic scheduler, with the real hybrid key exchange. Prints one line per
 * seed (versions reached, stale messages, messages delivered, virtual and wall time) and a summary; exit status 0 when
 * every seed passed, 1 when one failed (the failing seed's replay is {@code --first-seed S --seeds 1}), 2 on bad
 * arguments.
 */
public final class SoakCommand implements PluginCommand {

    @Override
    public String name() {
        return "soak";
    }

    @Override
    public String description() {
        return "race simultaneous rekeys between two in-process endpoints over a simulated link";
    }

    @Override
    public int run(PluginContext context, List<String> args, Io io) {
        RatchetOptions configured = RatchetPlugin.optionsFrom(context.config());
        Soak soak = new Soak(io.out(), configured.window(), context.scheduler()::nanoTime);
        CommandLine commandLine = new CommandLine(soak);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(new PrintWriter(io.out(), true));
        commandLine.setErr(new PrintWriter(io.err(), true));
        return commandLine.execute(args.toArray(String[]::new));
    }

    /** The race modes as typed on the command line. */
    enum SoakMode {
        RANDOM_LAG(RekeyRace.Mode.RANDOM_LAG),
        CONTENTIOUS(RekeyRace.Mode.CONTENTIOUS),
        ONE_AT_A_TIME(RekeyRace.Mode.ONE_AT_A_TIME);

        final RekeyRace.Mode mode;

        SoakMode(RekeyRace.Mode mode) {
            this.mode = mode;
        }
    }

    @Command(name = "soak", mixinStandardHelpOptions = true, version = "interlock ratchet soak 0.1.0",
            description = "Races simultaneous rekeys between two endpoints over a simulated link (deterministic"
                    + " scheduler, virtual clock, real ML-KEM-768 + X25519) and prints per-seed results.")
    static final class Soak implements Callable<Integer> {
        private final PrintStream out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--rounds", defaultValue = "100", description = "rekey rounds per seed (default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--min-delay", defaultValue = "0", paramLabel = "MS",
                description = "fixed part of the start lag in ms; the lag is MS + rand[0,4] ms (default ${DEFAULT-VALUE})")
        long minDelayMillis;

        @Option(names = "--seeds", defaultValue = "10", description = "seeds to run (default ${DEFAULT-VALUE})")
        int seeds;

        @Option(names = "--first-seed", defaultValue = "1", description = "first seed (default ${DEFAULT-VALUE})")
        long firstSeed;

        @Option(names = "--mode", defaultValue = "random_lag",
                description = "random_lag, contentious or one_at_a_time (default ${DEFAULT-VALUE})")
        SoakMode mode;

        @Option(names = "--window", description = "key versions kept (default: the plugin's window setting)")
        Integer window;

        private final int configuredWindow;
        private final LongSupplier wallNanos;

        Soak(PrintStream out, int configuredWindow, LongSupplier wallNanos) {
            this.out = out;
            this.configuredWindow = configuredWindow;
            this.wallNanos = wallNanos;
        }

        @Override
        public Integer call() {
            if (rounds < 1 || seeds < 1 || minDelayMillis < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--rounds and --seeds must be at"
                        + " least 1 and --min-delay not negative (were " + rounds + ", " + seeds + ", "
                        + minDelayMillis + ")");
            }
            KeyExchange kex = KeyExchange.hybridMlKem768X25519();
            RekeyRace.Config config = new RekeyRace.Config(mode.mode, rounds, Duration.ofMillis(minDelayMillis),
                    window != null ? window : configuredWindow, kex);
            out.printf(Locale.ROOT, "soak: kem %s, mode %s, min-delay %d ms, rounds %d, window %d, seeds %d..%d%n",
                    kex.name(), mode.name().toLowerCase(Locale.ROOT), minDelayMillis, rounds, config.window(),
                    firstSeed, firstSeed + seeds - 1);
            int failures = 0;
            long started = wallNanos.getAsLong();
            for (long seed = firstSeed; seed < firstSeed + seeds; seed++) {
                long t0 = wallNanos.getAsLong();
                try {
                    RekeyRace.Result r = RekeyRace.run(new DeterministicScheduler(seed), config);
                    out.printf(Locale.ROOT, "seed %d: ok rounds=%d version A=%d B=%d stale=%d messages A->B=%d"
                                    + " B->A=%d virtual=%.3fs wall=%dms%n", seed, r.rounds(), r.versionA(),
                            r.versionB(), r.staleMessages(), r.messagesAtoB(), r.messagesBtoA(),
                            r.virtualTime().toNanos() / 1e9, (wallNanos.getAsLong() - t0) / 1_000_000);
                } catch (AssertionError | RuntimeException e) {
                    failures++;
                    out.printf(Locale.ROOT, "seed %d: FAILED %s%n", seed, e.getMessage());
                }
            }
            out.printf(Locale.ROOT, "soak: %d seeds, %d failures, wall %.1fs%n", seeds, failures,
                    (wallNanos.getAsLong() - started) / 1e9);
            return failures == 0 ? 0 : 1;
        }
    }
}
