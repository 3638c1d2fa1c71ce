package dev.interlock.plugin.telegram.daemon;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;

/**
 * The bot-wide message budget (Telegram: about 30 messages per second over all chats), shared by every chat's
 * pacer. A sliding one-second window of send times; thread-safe; holds its monitor only for arithmetic.
 */
final class GlobalBudget {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final int perSecond;
    private final Deque<Long> window = new ArrayDeque<>();

    GlobalBudget(int perSecond) {
        this.perSecond = perSecond;
    }

    /** Nanoseconds until one more message may go, 0 if now. */
    synchronized long waitNanos(long now) {
        while (!window.isEmpty() && now - window.peekFirst() >= SECOND) {
            window.removeFirst();
        }
        return window.size() < perSecond ? 0 : window.peekFirst() + SECOND - now;
    }

    synchronized void consume(long now) {
        window.addLast(now);
    }
}
