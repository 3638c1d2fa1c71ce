package dev.interlock.api.guard;

/** A {@link Sequencer} key waited longer than allowed for a missing sequence number. */
public final class SequenceGapException extends GuardException {
    private static final long serialVersionUID = 1L;

    private final long expected;
    private final long nextAvailable;

    public SequenceGapException(String message, long expected, long nextAvailable) {
        super(message);
        this.expected = expected;
        this.nextAvailable = nextAvailable;
    }

    /** The sequence number that never arrived. */
    public long expected() {
        return expected;
    }

    /** The lowest sequence number that was waiting behind the gap. */
    public long nextAvailable() {
        return nextAvailable;
    }
}
