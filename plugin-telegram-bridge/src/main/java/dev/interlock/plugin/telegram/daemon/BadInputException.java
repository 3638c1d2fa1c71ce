package dev.interlock.plugin.telegram.daemon;

/** A line on the bridge socket was rejected; the message says what was wrong and what is expected. */
public final class BadInputException extends Exception {
    public BadInputException(String message) {
        super(message, null, false, false);
    }
}
