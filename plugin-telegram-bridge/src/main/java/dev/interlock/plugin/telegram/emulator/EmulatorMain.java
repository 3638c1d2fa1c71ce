package dev.interlock.plugin.telegram.emulator;

import dev.interlock.api.exec.Scheduler;

import java.util.concurrent.CountDownLatch;

/**
 * Runs the Bot API emulator on its own, for demos:
 * {@code java --module-path <jars> -m dev.interlock.plugin.telegram/dev.interlock.plugin.telegram.emulator.EmulatorMain
 * [port] [token]}. Prints the base URL to pass as {@code --api-base-url}; runs until the process is terminated.
 * Telegram's limits apply (20 messages per minute per chat, 30 per second overall).
 */
public final class EmulatorMain {

    private EmulatorMain() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
        String token = args.length > 1 ? args[1] : "123456:demo-token";
        BotApiEmulator emulator = run(port, token, System.out);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stop.countDown();
        }));
        stop.await();
    }

    /** Starts an emulator with Telegram's limits on 127.0.0.1:{@code port} and prints its base URL to {@code out}. */
    public static BotApiEmulator run(int port, String token, java.io.PrintStream out) throws java.io.IOException {
        BotApiEmulator emulator = BotApiEmulator.create(Scheduler.virtualThreads(), token).start(port);
        out.println("Bot API emulator on " + emulator.baseUrl() + " (token as given; not printed)");
        return emulator;
    }
}
