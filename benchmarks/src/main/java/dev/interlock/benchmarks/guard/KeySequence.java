package dev.interlock.benchmarks.guard;

import java.util.SplittableRandom;

/** Pre-generated key sequences, so that drawing a key costs an array read and allocates nothing. */
final class KeySequence {

    /** Distinct keys in the uniform and skewed pools. */
    static final int POOL = 1024;
    /** Length of a pre-generated sequence (a power of two). */
    static final int LENGTH = 1 << 16;
    /** Number of fresh keys; each fresh-key benchmark cycles through them. */
    static final int FRESH = 1 << 20;

    private static final Long[] POOL_KEYS = boxed(POOL);

    private KeySequence() {
    }

    static Long[] boxed(int n) {
        Long[] keys = new Long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = (long) i * 7919 + 1_000_000L; // outside Long's small-value cache: real objects
        }
        return keys;
    }

    /** Keys drawn uniformly from the pool. */
    static Long[] uniform(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Long[] seq = new Long[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            seq[i] = POOL_KEYS[random.nextInt(POOL)];
        }
        return seq;
    }

    /** Keys drawn from the pool with a Zipf(s = 1.0) distribution: a few hot keys take most draws. */
    static Long[] zipf(long seed) {
        double[] cdf = new double[POOL];
        double sum = 0;
        for (int i = 0; i < POOL; i++) {
            sum += 1.0 / (i + 1);
            cdf[i] = sum;
        }
        SplittableRandom random = new SplittableRandom(seed);
        Long[] seq = new Long[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            double u = random.nextDouble() * sum;
            int lo = 0;
            int hi = POOL - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] < u) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            seq[i] = POOL_KEYS[lo];
        }
        return seq;
    }
}
