package dev.interlock.plugin.mls;

import java.util.Objects;

/**
 * Every failure of the MLS client, the delivery service and the vault. {@link #reason()} says what went wrong and
 * whose fault it is; the message names the value, the limit and the fix. Messages never contain secrets (keys,
 * passwords, plaintext).
 *
 * <p>bcmls declares {@code throws Exception} on nearly every method; the client maps each such failure to
 * {@link Reason#LIBRARY_FAILURE} (with the library's exception as the cause) or, where the client can tell in
 * advance, to a more precise reason, so that a caller never sees a raw library exception.
 */
public final class MlsException extends RuntimeException {

    /** Why an operation failed. */
    public enum Reason {
        /** An incoming message is larger than the configured limit; it was not decoded. */
        OVERSIZED_MESSAGE,
        /** An incoming message is truncated or structurally invalid; it was not handed to the library. */
        MALFORMED_MESSAGE,
        /** A message names a group other than the one it was delivered for. */
        WRONG_GROUP,
        /** A handshake message for an epoch this member has already left (for example a commit that lost). */
        STALE_EPOCH,
        /** A message for a future epoch could not be buffered: the per-group buffer is full. */
        FUTURE_EPOCH_BUFFER_FULL,
        /** Another member's commit was accepted for this epoch and retries were exhausted. */
        COMMIT_CONFLICT,
        /** A Welcome that matches none of our unused key packages, or for a group we are already in. */
        WELCOME_REJECTED,
        /** A key package whose credential is not the identity it was fetched for. */
        FOREIGN_CREDENTIAL,
        /** A key package that does not verify or uses another cipher suite. */
        INVALID_KEY_PACKAGE,
        /** The delivery service has no key package for the identity. */
        NO_KEY_PACKAGE,
        /** No such group (at the client or the delivery service). */
        UNKNOWN_GROUP,
        /** No member with that identity in the group. */
        UNKNOWN_MEMBER,
        /** A GroupInfo whose signature or contents did not verify. */
        INVALID_GROUP_INFO,
        /** The MLS library rejected an operation or a message; the cause is the library's exception. */
        LIBRARY_FAILURE,
        /** The delivery service could not be reached or answered with an error. */
        DELIVERY_FAILURE,
        /** A request to the delivery service was invalid (size, fields). */
        BAD_REQUEST,
        /** The vault's password is wrong. */
        VAULT_WRONG_PASSWORD,
        /** The vault was modified after it was written. */
        VAULT_TAMPERED,
        /** The file is not a vault this version can read. */
        VAULT_CORRUPT,
        /** Too many operations are waiting (the client's queue or the MLS lane is full); retry later. */
        BUSY,
        /** An operation needs a logged-in client. */
        NOT_LOGGED_IN,
        /** The client was closed. */
        CLOSED
    }

    private final Reason reason;

    public MlsException(Reason reason, String message) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message);
        this.reason = reason;
    }

    public MlsException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message, cause);
        this.reason = reason;
    }

    /** What went wrong. */
    public Reason reason() {
        return reason;
    }

    /**
     * The {@code MlsException} inside a {@link java.util.concurrent.CompletionException} (or other wrapper), or
     * {@code null} if there is none.
     */
    public static MlsException unwrap(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof MlsException m) {
                return m;
            }
        }
        return null;
    }
}
