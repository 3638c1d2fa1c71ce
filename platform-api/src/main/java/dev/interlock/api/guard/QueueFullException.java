package dev.interlock.api.guard;

/** An operation lane was at its capacity; the operation was not queued. */
public final class QueueFullException extends GuardException {
    private static final long serialVersionUID = 1L;

    private final int capacity;

    public QueueFullException(String message, int capacity) {
        super(message);
        this.capacity = capacity;
    }

    /** The limit that was reached. */
    public int capacity() {
        return capacity;
    }
}
