package dev.interlock.plugin.ratchet.internal;

/**
 * Anti-replay for one receive key (RFC 4303 section 3.4.3 style): the highest counter accepted and a bitmap of the
 * {@code size} counters below it. Not thread-safe (confined to the channel's lane). Memory: {@code size / 8} bytes.
 */
final class ReplayWindow {

    enum Verdict { FRESH, REPLAYED, TOO_OLD }

    private final int size;
    private final long[] bits;
    private long highest = -1;

    ReplayWindow(int size) {
        this.size = size;
        this.bits = new long[size / 64];
    }

    Verdict check(long counter) {
        if (counter > highest) {
            return Verdict.FRESH;
        }
        if (highest - counter >= size) {
            return Verdict.TOO_OLD;
        }
        return isSet(counter) ? Verdict.REPLAYED : Verdict.FRESH;
    }

    /** Records {@code counter}; call only after {@link #check} said FRESH and the frame authenticated. */
    void mark(long counter) {
        if (counter > highest) {
            long shift = counter - highest;
            if (shift >= size) {
                java.util.Arrays.fill(bits, 0L);
            } else {
                for (long c = highest + 1; c < counter; c++) {
                    clear(c);
                }
            }
            highest = counter;
        }
        set(counter);
    }

    long highest() {
        return highest;
    }

    private int index(long counter) {
        return (int) Math.floorMod(counter, (long) size);
    }

    private boolean isSet(long counter) {
        int i = index(counter);
        return (bits[i >>> 6] & (1L << (i & 63))) != 0;
    }

    private void set(long counter) {
        int i = index(counter);
        bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(long counter) {
        int i = index(counter);
        bits[i >>> 6] &= ~(1L << (i & 63));
    }
}
