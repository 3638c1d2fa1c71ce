package dev.interlock.internal.guard;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A test-and-test-and-set lock for critical sections of a few dozen nanoseconds that never run user code and never
 * park. Contended callers spin briefly, then yield, so a holder that lost its CPU gets it back.
 */
abstract class SpinLock {
    private static final VarHandle LOCK;
    /** Spins before a waiting thread starts yielding. */
    private static final int SPINS = 64;

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(SpinLock.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 0 = free, 1 = held. */
    private volatile int lock;

    final void lock() {
        if (!LOCK.compareAndSet(this, 0, 1)) {
            lockSlow();
        }
    }

    private void lockSlow() {
        int spins = 0;
        while (true) {
            if ((int) LOCK.getOpaque(this) == 0 && LOCK.compareAndSet(this, 0, 1)) {
                return;
            }
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    final void unlock() {
        LOCK.setRelease(this, 0);
    }
}
