package dev.interlock.plugin.telegram.store;

/** The bridge store could not be opened, migrated, read or written. The message names the database file. */
public final class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
