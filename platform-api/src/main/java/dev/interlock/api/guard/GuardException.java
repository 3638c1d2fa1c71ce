package dev.interlock.api.guard;

/**
 * A guard could not give what was asked: the base of the failures a guard reports through a stage. Messages name the
 * guard, the value and the limit involved.
 */
public abstract sealed class GuardException extends RuntimeException
        permits GuardTimeoutException, GuardClosedException, QueueFullException, SequenceGapException {

    private static final long serialVersionUID = 1L;

    protected GuardException(String message) {
        super(message);
    }

    protected GuardException(String message, Throwable cause) {
        super(message, cause);
    }
}
