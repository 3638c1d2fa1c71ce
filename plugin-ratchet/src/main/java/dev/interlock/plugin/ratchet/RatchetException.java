package dev.interlock.plugin.ratchet;

/**
 * The base of the failures a {@link RatchetChannel} reports. Messages name the channel, the versions and limits
 * involved and never contain key material.
 */
public abstract sealed class RatchetException extends RuntimeException
        permits ChannelClosedException, RekeyTimeoutException, FrameRejectedException {

    private static final long serialVersionUID = 1L;

    protected RatchetException(String message) {
        super(message);
    }

    protected RatchetException(String message, Throwable cause) {
        super(message, cause);
    }
}
