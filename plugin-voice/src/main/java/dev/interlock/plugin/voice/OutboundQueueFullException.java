package dev.interlock.plugin.voice;

/**
 * {@link VoiceSession#send} refused a control event because {@link OutboundLimits#maxControlEvents()} are already
 * queued (the session has been unable to send for a while). Nothing was queued and nothing already queued was lost.
 */
public final class OutboundQueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int limit;

    public OutboundQueueFullException(String message, int limit) {
        super(message);
        this.limit = limit;
    }

    /** The limit that was reached. */
    public int limit() {
        return limit;
    }
}
