package dev.interlock.plugin.ratchet;

/**
 * The channel was closed (by the application or the peer) or failed before the operation could complete. Every
 * pending {@link RatchetChannel#triggerRekey()} and {@link RatchetChannel#send(byte[])} stage fails with this once
 * the channel shuts down; the cause, if any, is the fatal error that failed the channel.
 */
public final class ChannelClosedException extends RatchetException {

    private static final long serialVersionUID = 1L;

    public ChannelClosedException(String message) {
        super(message);
    }

    public ChannelClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
