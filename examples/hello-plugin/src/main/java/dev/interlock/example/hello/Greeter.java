package dev.interlock.example.hello;

import com.google.inject.Inject;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Greets people and appends every greeting to a journal file in the plugin's data directory.
 *
 * <h2>Why an operation queue</h2>
 * Greetings may arrive from many threads at once (commands, other services). Appending to one file and numbering
 * the entries is a check-then-act on shared state; instead of a lock, every write goes through one serial lane
 * ({@link OperationQueue}) from the injected {@link ConcurrencyGuard}: entries are written one at a time, in the order
 * {@link #greet} was called, and {@link #count} is only ever touched inside the lane, so it needs no synchronisation.
 * The lane is bounded ({@code journal-capacity}); a greeting beyond it fails at once with a clear error instead of
 * piling up in memory.
 *
 * <h2>Everything comes from the host</h2>
 * The constructor takes only what the host binds (guard, config, context, clock): no {@code Instant.now()}, no
 * global thread pool. In a test, the testkit's deterministic scheduler and virtual clock stand in, and the same
 * code runs reproducibly.
 *
 * <h2>Configuration</h2> ({@code <config-dir>/hello.properties})
 * <ul>
 *   <li>{@code greeting}: the word in front of the name (default {@code Hello});
 *   <li>{@code max-name-length}: the longest accepted name, in characters (default 64, at most 256);
 *   <li>{@code journal-capacity}: how many greetings may wait for the journal (default 64).
 * </ul>
 */
final class Greeter {

    /** The journal: one line per greeting, {@code <instant> #<n> <name>}. */
    static final String JOURNAL_FILE = "greetings.log";
    /** The lifecycle marker: {@code started <instant>} or {@code stopped <instant>}. */
    static final String STATE_FILE = "hello.state";
    /** Upper bound for {@code max-name-length}, in characters. */
    static final int NAME_LENGTH_LIMIT = 256;
    /** How long {@link HelloPlugin#stop()} waits for {@link #stop()} to finish, before giving up on it. */
    static final Duration STOP_GRACE = Duration.ofSeconds(2);

    private final String greeting;
    private final int maxNameLength;
    private final Path dataDirectory;
    private final Clock clock;
    private final OperationQueue journal;

    /** Greetings written by this instance; read and written only inside the {@link #journal} lane. */
    private long count;

    /**
     * Constructor injection: Guice calls this with the host's bindings. The constructor need not be public: the host
     * grants Guice access to the plugin's packages.
     */
    @Inject
    Greeter(ConcurrencyGuard guard, PluginConfig config, PluginContext context, Clock clock) {
        this.greeting = config.get("greeting", "Hello");
        this.maxNameLength = config.getInt("max-name-length", 64);
        if (maxNameLength < 1 || maxNameLength > NAME_LENGTH_LIMIT) {
            throw new IllegalArgumentException("hello: max-name-length=" + maxNameLength + " is out of range; expected 1 to "
                    + NAME_LENGTH_LIMIT + " (set it in hello.properties)");
        }
        this.dataDirectory = context.dataDirectory();
        this.clock = clock;
        this.journal = guard.newOperationQueue("hello-journal", config.getInt("journal-capacity", 64));
    }

    /**
     * Greets {@code name} and records it in the journal.
     *
     * @return the greeting, e.g. {@code "Hello, Ada!"}, once the journal entry is written; the stage fails with
     *         {@link java.io.UncheckedIOException} if the journal cannot be written, or with the guard's
     *         {@code QueueFullException} / {@code GuardClosedException} if the lane is full or stopped
     * @throws IllegalArgumentException if the name is blank, too long or contains control characters (nothing is
     *                                  queued)
     */
    CompletionStage<String> greet(String name) {
        validate(name);
        return journal.call(() -> {
            long n = ++count;
            append(JOURNAL_FILE, clock.instant() + " #" + n + " " + name + "\n");
            return greeting + ", " + name + "!";
        });
    }

    /** Marks the greeter as started. */
    void start() throws IOException {
        write(STATE_FILE, "started " + clock.instant() + "\n");
    }

    /**
     * Refuses further greetings and, once the greeting being written (if any) has finished, writes the stop marker.
     * Greetings still waiting in the lane fail with {@code GuardClosedException}.
     *
     * <p>Asynchronous on purpose: the lane finishes on the scheduler, so a test drives it with the deterministic
     * scheduler instead of blocking; {@link HelloPlugin#stop()} waits for it, bounded by {@link #STOP_GRACE}.
     *
     * @return completes once the marker is written (exceptionally with {@link java.io.UncheckedIOException} if it
     *         cannot be)
     */
    CompletionStage<Void> stop() {
        journal.close();
        return journal.terminated().thenRun(() -> {
            try {
                write(STATE_FILE, "stopped " + clock.instant() + "\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private void validate(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("hello: the name is empty; give one, e.g. --name Ada");
        }
        if (name.length() > maxNameLength) {
            throw new IllegalArgumentException("hello: the name has " + name.length() + " characters; the limit is "
                    + maxNameLength + " (max-name-length)");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("hello: the name contains a control character; use printable text");
        }
    }

    private void append(String file, String text) throws IOException {
        Files.writeString(dataDirectory.resolve(file), text, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    private void write(String file, String text) throws IOException {
        Files.writeString(dataDirectory.resolve(file), text, StandardCharsets.UTF_8);
    }
}
