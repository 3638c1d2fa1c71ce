package dev.interlock.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * How a {@link SimulatedLink} delivers bytes: each chunk arrives {@code latency ± jitter} after it was sent (never
 * earlier than a chunk sent before it), and the stream is re-split into chunks of {@code minChunk} to
 * {@code maxChunk} bytes.
 *
 * @param latency  the mean one-way delay of a chunk; not negative
 * @param jitter   the largest deviation from {@code latency}, drawn uniformly from {@code [-jitter, +jitter]} per chunk
 *                 (a delay is never below zero); not negative
 * @param minChunk the smallest chunk the receiver sees, except at the end of a send when fewer bytes are left;
 *                 at least 1
 * @param maxChunk the largest chunk the receiver sees; at least {@code minChunk} and at most
 *                 {@value #MAX_CHUNK_LIMIT}
 */
public record LinkOptions(Duration latency, Duration jitter, int minChunk, int maxChunk) {

    /** The largest {@code maxChunk} accepted (1 MiB): chunks are copied, and a simulated link is not a bulk pipe. */
    public static final int MAX_CHUNK_LIMIT = 1 << 20;

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException naming the bad value, if any is out of range
     * @throws NullPointerException     if a duration is null
     */
    public LinkOptions {
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(jitter, "jitter");
        if (latency.isNegative()) {
            throw new IllegalArgumentException("latency must not be negative, was " + latency);
        }
        if (jitter.isNegative()) {
            throw new IllegalArgumentException("jitter must not be negative, was " + jitter);
        }
        if (minChunk < 1) {
            throw new IllegalArgumentException("minChunk must be at least 1 byte, was " + minChunk);
        }
        if (maxChunk < minChunk) {
            throw new IllegalArgumentException("maxChunk (" + maxChunk + ") must be at least minChunk (" + minChunk
                    + "); to change both use withChunkSizes(min, max)");
        }
        if (maxChunk > MAX_CHUNK_LIMIT) {
            throw new IllegalArgumentException("maxChunk must be at most " + MAX_CHUNK_LIMIT + " bytes, was "
                    + maxChunk);
        }
    }

    /** 1 ms latency, 500 µs jitter, chunks of 1 to 64 bytes: small chunks so that framing bugs show up. */
    public static LinkOptions defaults() {
        return new LinkOptions(Duration.ofMillis(1), Duration.ofNanos(500_000), 1, 64);
    }

    /**
     * Options drawn from {@code random} (pass {@link DeterministicScheduler#random()} so that they are part of the
     * seed): latency 0 to 5 ms, jitter 0 to the latency, and chunk sizes that are tiny (1 to 8 bytes), moderate (up
     * to 256) or large (up to 4096) with equal probability, so that both byte-by-byte trickles and coalesced
     * messages are explored.
     */
    public static LinkOptions randomized(RandomGenerator random) {
        Objects.requireNonNull(random, "random");
        long latencyMicros = random.nextLong(0, 5_001);
        long jitterMicros = random.nextLong(0, latencyMicros + 1);
        int max = switch (random.nextInt(3)) {
            case 0 -> random.nextInt(1, 9);
            case 1 -> random.nextInt(1, 257);
            default -> random.nextInt(1, 4097);
        };
        int min = random.nextInt(1, max + 1);
        return new LinkOptions(Duration.ofNanos(latencyMicros * 1_000), Duration.ofNanos(jitterMicros * 1_000),
                min, max);
    }

    /** A copy with another latency. */
    public LinkOptions withLatency(Duration newLatency) {
        return new LinkOptions(newLatency, jitter, minChunk, maxChunk);
    }

    /** A copy with another jitter. */
    public LinkOptions withJitter(Duration newJitter) {
        return new LinkOptions(latency, newJitter, minChunk, maxChunk);
    }

    /** A copy with another minimum chunk size (it must not exceed {@link #maxChunk()}). */
    public LinkOptions withMinChunk(int newMinChunk) {
        return new LinkOptions(latency, jitter, newMinChunk, maxChunk);
    }

    /** A copy with another maximum chunk size (it must not be below {@link #minChunk()}). */
    public LinkOptions withMaxChunk(int newMaxChunk) {
        return new LinkOptions(latency, jitter, minChunk, newMaxChunk);
    }

    /** A copy with both chunk bounds replaced at once. */
    public LinkOptions withChunkSizes(int newMinChunk, int newMaxChunk) {
        return new LinkOptions(latency, jitter, newMinChunk, newMaxChunk);
    }
}
