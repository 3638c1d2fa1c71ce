package dev.interlock.api.guard;

/** A timed wait on a guard (a key, a flight, a watch target) expired. */
public final class GuardTimeoutException extends GuardException {
    private static final long serialVersionUID = 1L;

    public GuardTimeoutException(String message) {
        super(message);
    }
}
