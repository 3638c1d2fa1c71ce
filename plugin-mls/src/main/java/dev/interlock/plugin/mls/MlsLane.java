package dev.interlock.plugin.mls;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.OperationQueue;

import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one lane through which every call into bcmls passes.
 *
 * <h2>Why one lane for the whole JVM</h2>
 * bcmls's cipher-suite objects ({@code MlsCipherSuite.getSuite}) are JVM-wide singletons that each hold one signer,
 * one HKDF, one GCM cipher and one digest without synchronisation: two threads using one suite, even for different
 * groups of different clients, corrupt each other (notes/mls.md). A per-client queue is therefore not enough. This
 * lane is an {@link OperationQueue} (FIFO, one at a time, on the guard's scheduler) shared by every client, the
 * delivery service and the vault code of a plugin instance; in addition each operation holds a JVM-wide lock, so even
 * two lanes (two plugin instances, or two test schedulers) can never run bcmls code at the same time.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Operations run one at a time in submission order, on the guard's scheduler; the JVM-wide lock makes the
 *       exclusion hold across lanes too.
 *   <li>An operation must be synchronous and short (a few library calls); it must not wait for anything.
 *   <li>Failure does not poison: an {@link MlsException} thrown by the operation fails its stage as it is; any other
 *       exception (bcmls declares {@code throws Exception}) fails it with {@link MlsException.Reason#LIBRARY_FAILURE}
 *       naming {@code what}, with the library's exception as the cause. {@link Error}s are not caught.
 *   <li>Memory effects: everything an operation did happens-before the next operation on any lane starts.
 * </ul>
 */
public final class MlsLane implements AutoCloseable {

    /** The JVM-wide exclusion: bcmls state is per JVM, not per lane. */
    private static final ReentrantLock JVM_LOCK = new ReentrantLock();
    private static final AtomicLong LIBRARY_FAILURES = new AtomicLong();

    private final OperationQueue queue;

    /** A synchronous piece of bcmls work. */
    @FunctionalInterface
    public interface Work<T> {
        T run() throws Exception;
    }

    /**
     * @param guard    the guards (the lane runs on its scheduler)
     * @param capacity how many operations may wait before submissions fail with a QueueFullException
     */
    public MlsLane(ConcurrencyGuard guard, int capacity) {
        this.queue = Objects.requireNonNull(guard, "guard").newOperationQueue("mls-library", capacity);
    }

    /** Runs {@code work} in the lane; see the class documentation. */
    public <T> CompletionStage<T> call(String what, Work<T> work) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(work, "work");
        return queue.call(() -> runExclusive(what, work));
    }

    /**
     * Runs {@code work} under the JVM-wide lock on the calling thread. Only for code that is already serialized with
     * the lane by other means and must not wait (process start-up before any lane exists, child processes in tests).
     */
    public static <T> T runExclusive(String what, Work<T> work) {
        JVM_LOCK.lock();
        try {
            return work.run();
        } catch (MlsException e) {
            throw e;
        } catch (Exception e) {
            LIBRARY_FAILURES.incrementAndGet();
            throw new MlsException(MlsException.Reason.LIBRARY_FAILURE,
                    what + " failed in the MLS library: " + e.getClass().getSimpleName(), e);
        } finally {
            JVM_LOCK.unlock();
        }
    }

    /**
     * Library failures seen by every lane in this JVM since start, for tests and monitoring: a client that validates
     * its input before calling the library keeps this at zero under hostile input.
     */
    public static long libraryFailures() {
        return LIBRARY_FAILURES.get();
    }

    /** Operations waiting right now (estimate). */
    public int pending() {
        return queue.pending();
    }

    @Override
    public void close() {
        queue.close();
    }
}
