package dev.interlock.api.guard;

/** The guard was closed before (or while) the request could be served. */
public final class GuardClosedException extends GuardException {
    private static final long serialVersionUID = 1L;

    public GuardClosedException(String message) {
        super(message);
    }

    public GuardClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
