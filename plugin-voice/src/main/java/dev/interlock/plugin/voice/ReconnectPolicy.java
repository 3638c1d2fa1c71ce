package dev.interlock.plugin.voice;

import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter between connection attempts.
 *
 * <p>Before retry {@code n} (1-based: the first retry after a loss or failed attempt is 1) the session waits
 * {@code d = min(maxDelay, initialDelay * 2^(n-1))} scaled by a jitter factor drawn uniformly from
 * {@code [1 - jitter, 1]} ("equal jitter" when {@code jitter = 0.5}): sessions that lost their connection together
 * do not all come back at the same instant. After {@code maxAttempts} consecutive failed retries the session is
 * {@link SessionState#FAILED}. A successful open resets the count.
 *
 * @param initialDelay delay before the first retry (before jitter), positive
 * @param maxDelay     cap on the delay (before jitter), at least {@code initialDelay}
 * @param maxAttempts  retries before giving up, at least 1
 * @param jitter       fraction of the delay that is randomized, in {@code [0, 1]}
 */
public record ReconnectPolicy(Duration initialDelay, Duration maxDelay, int maxAttempts, double jitter) {

    /** The seed's policy: 1 s doubling, capped at 30 s, 3 retries, half the delay randomized. */
    public static final ReconnectPolicy DEFAULTS = new ReconnectPolicy(Duration.ofSeconds(1), Duration.ofSeconds(30), 3, 0.5);

    public ReconnectPolicy {
        Objects.requireNonNull(initialDelay, "initialDelay");
        Objects.requireNonNull(maxDelay, "maxDelay");
        if (initialDelay.isNegative() || initialDelay.isZero() || maxDelay.compareTo(initialDelay) < 0
                || maxAttempts < 1 || !(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("invalid ReconnectPolicy: initialDelay=" + initialDelay
                    + " (> 0), maxDelay=" + maxDelay + " (>= initialDelay), maxAttempts=" + maxAttempts
                    + " (>= 1), jitter=" + jitter + " (in [0, 1])");
        }
    }

    /** This policy with {@code maxAttempts} retries. */
    public ReconnectPolicy withMaxAttempts(int maxAttempts) {
        return new ReconnectPolicy(initialDelay, maxDelay, maxAttempts, jitter);
    }

    /**
     * The delay before retry {@code attempt} (1-based), drawing the jitter from {@code random}.
     *
     * @throws IllegalArgumentException if {@code attempt < 1}
     */
    public Duration delay(int attempt, RandomGenerator random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, got " + attempt);
        }
        long initial = initialDelay.toNanos();
        long cap = maxDelay.toNanos();
        int shift = Math.min(attempt - 1, 62);
        long base = initial > (cap >> shift) ? cap : Math.min(cap, initial << shift);
        double factor = 1.0 - jitter * random.nextDouble();
        return Duration.ofNanos(Math.max(1, (long) (base * factor)));
    }
}
