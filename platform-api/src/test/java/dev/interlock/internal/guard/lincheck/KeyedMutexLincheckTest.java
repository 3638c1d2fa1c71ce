package dev.interlock.internal.guard.lincheck;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.KeyedMutex;
import dev.interlock.api.guard.KeyedMutex.Permit;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.ThreadIdGen;
import org.jetbrains.lincheck.datastructures.Validate;
import org.junit.jupiter.api.Test;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Linearizability of the keyed mutex under Lincheck's model checking: every interleaving Lincheck explores must be
 * explainable by some sequential order of the operations. Each Lincheck thread keeps its own permits (one slot per
 * thread and key), so the only shared state is the mutex: "two holders of one key" shows up as a tryAcquire that
 * succeeds while the key is held, a cancelled waiter that kept the key shows up as a key that stays locked, and a
 * lost hand-over shows up as a waiter that is never granted.
 */
@Param(name = "key", gen = IntGen.class, conf = "1:2")
@Param(name = "tid", gen = ThreadIdGen.class)
public class KeyedMutexLincheckTest {

    private static final int SLOTS = 8 * 3;

    private final KeyedMutex<Integer> mutex = ConcurrencyGuard.inJvm(new InlineScheduler()).newKeyedMutex("lincheck");
    /** slot (thread, key) -> the permit that thread holds for that key; a granted async waiter fills its slot. */
    private final AtomicReferenceArray<Permit<Integer>> held = new AtomicReferenceArray<>(SLOTS);
    /** slot (thread, key) -> whether that thread has an outstanding request (held or waiting). */
    private final boolean[] asked = new boolean[SLOTS];

    private static int slot(int tid, int key) {
        return tid * 3 + key;
    }

    @Operation
    public Boolean tryAcquire(@Param(name = "tid") int tid, @Param(name = "key") int key) {
        int s = slot(tid, key);
        if (asked[s]) {
            return null; // not reentrant: a thread never asks twice for a key it holds or waits for
        }
        Optional<Permit<Integer>> p = mutex.tryAcquire(key);
        if (p.isEmpty()) {
            return false;
        }
        asked[s] = true;
        held.set(s, p.get());
        return true;
    }

    /** Asks asynchronously; when granted (now, or on another thread's release) the permit fills this slot. */
    @Operation
    public Boolean acquire(@Param(name = "tid") int tid, @Param(name = "key") int key) {
        int s = slot(tid, key);
        if (asked[s]) {
            return null;
        }
        asked[s] = true;
        CompletableFuture<Permit<Integer>> f = mutex.acquire(key).toCompletableFuture();
        f.thenAccept(p -> {
            if (!held.compareAndSet(s, null, p)) {
                throw new AssertionError("slot already filled");
            }
        });
        return f.isDone();
    }

    /** Asks and cancels at once: either it was granted before the cancel (then it holds) or it holds nothing. */
    @Operation
    public Boolean acquireThenCancel(@Param(name = "tid") int tid, @Param(name = "key") int key) {
        int s = slot(tid, key);
        if (asked[s]) {
            return null;
        }
        CompletableFuture<Permit<Integer>> f = mutex.acquire(key).toCompletableFuture();
        if (f.cancel(false)) {
            return false;
        }
        asked[s] = true;
        held.set(s, f.join());
        return true;
    }

    /** Releases this thread's permit for the key, if granted; a second release must be refused. */
    @Operation
    public Boolean release(@Param(name = "tid") int tid, @Param(name = "key") int key) {
        int s = slot(tid, key);
        Permit<Integer> p = held.get(s);
        if (p == null) {
            return asked[s] ? Boolean.FALSE : null; // FALSE: still waiting
        }
        held.set(s, null);
        asked[s] = false;
        p.release();
        try {
            p.release();
            throw new AssertionError("a second release was accepted");
        } catch (IllegalStateException expected) {
            return true;
        }
    }

    @Operation
    public boolean isLocked(@Param(name = "key") int key) {
        return mutex.isLocked(key);
    }

    /**
     * After each explored interleaving (quiescent): {@code activeKeys()} (an estimate while threads run, exact at
     * rest) counts exactly the keys with a holder or a waiter; releasing every permit, including those handed on to
     * waiters, leaves no key locked and no entry behind.
     */
    @Validate
    public void validate() {
        java.util.Set<Integer> busy = new java.util.HashSet<>();
        for (int s = 0; s < SLOTS; s++) {
            if (asked[s]) {
                busy.add(s % 3);
            }
        }
        if (mutex.activeKeys() != busy.size()) {
            throw new AssertionError("activeKeys() = " + mutex.activeKeys() + " but keys held or awaited: " + busy);
        }
        boolean releasedSome = true;
        while (releasedSome) {
            releasedSome = false;
            for (int s = 0; s < SLOTS; s++) {
                Permit<Integer> p = held.getAndSet(s, null);
                if (p != null) {
                    asked[s] = false;
                    p.release();
                    releasedSome = true;
                }
            }
        }
        for (int s = 0; s < SLOTS; s++) {
            if (asked[s]) {
                throw new AssertionError("a waiter was never granted although every holder released");
            }
        }
        if (mutex.activeKeys() != 0 || mutex.isLocked(1) || mutex.isLocked(2)) {
            throw new AssertionError("entries left after every permit was released: " + mutex);
        }
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(Integer.getInteger("interlock.lincheck.iterations",
                        8 * Integer.getInteger("interlock.lincheck.scale", 1)))
                .invocationsPerIteration(Integer.getInteger("interlock.lincheck.invocations", 120))
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(1)
                .actorsAfter(1)
                .check(this.getClass());
    }
}
