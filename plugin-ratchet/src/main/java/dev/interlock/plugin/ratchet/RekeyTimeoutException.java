package dev.interlock.plugin.ratchet;

/**
 * A {@link RatchetChannel#triggerRekey()} caller waited longer than {@link RatchetOptions#rekeyTimeout()} (measured
 * on the channel's scheduler from the call) for its target version. Only that caller's stage fails; the round in
 * flight carries on.
 */
public final class RekeyTimeoutException extends RatchetException {

    private static final long serialVersionUID = 1L;

    public RekeyTimeoutException(String message) {
        super(message);
    }
}
