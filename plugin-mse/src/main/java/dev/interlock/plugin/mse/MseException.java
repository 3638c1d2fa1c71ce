package dev.interlock.plugin.mse;

/**
 * Why a handshake (or an established session) ended: one subclass per cause, each naming the value that was wrong,
 * the limit, and what to do. Messages never contain key material.
 *
 * <p>A failure ends only its own connection: its transport is closed, its buffers are released, and other
 * connections carry on.
 */
public abstract sealed class MseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private MseException(String message) {
        super(message, null, false, false);
    }

    /** A stable, lower-case identifier of the cause, e.g. {@code "invalid-public-key"}, for JSON and metrics. */
    public abstract String kind();

    /** The peer's Diffie-Hellman public value is outside [2, P-2]. */
    public static final class InvalidPublicKey extends MseException {
        private static final long serialVersionUID = 1L;

        public InvalidPublicKey(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "invalid-public-key";
        }
    }

    /** A padding length field (PadC or PadD) is above the 512-byte limit. */
    public static final class PadTooLong extends MseException {
        private static final long serialVersionUID = 1L;

        public PadTooLong(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "pad-too-long";
        }
    }

    /** A synchronisation marker (HASH('req1', S) or the encrypted VC) was not found within its window. */
    public static final class SyncNotFound extends MseException {
        private static final long serialVersionUID = 1L;

        public SyncNotFound(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "sync-not-found";
        }
    }

    /** The decrypted verification constant was not 8 zero bytes. */
    public static final class BadVerificationConstant extends MseException {
        private static final long serialVersionUID = 1L;

        public BadVerificationConstant(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "bad-verification-constant";
        }
    }

    /** The initiator asked for a torrent (SKEY / info-hash) this responder does not serve. */
    public static final class UnknownInfoHash extends MseException {
        private static final long serialVersionUID = 1L;

        public UnknownInfoHash(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "unknown-info-hash";
        }
    }

    /** crypto_provide and the policy have no method in common, or crypto_select is not one offered method. */
    public static final class NoCommonMethod extends MseException {
        private static final long serialVersionUID = 1L;

        public NoCommonMethod(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "no-common-method";
        }
    }

    /** len(IA) is above the limit this responder accepts. */
    public static final class InitialPayloadTooLong extends MseException {
        private static final long serialVersionUID = 1L;

        public InitialPayloadTooLong(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "initial-payload-too-long";
        }
    }

    /** The handshake did not complete within the handshake timeout (a stalled peer). */
    public static final class HandshakeTimeout extends MseException {
        private static final long serialVersionUID = 1L;

        public HandshakeTimeout(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "handshake-timeout";
        }
    }

    /** The peer sent more than the connection buffers while a step was running, or more than a buffer holds. */
    public static final class Flood extends MseException {
        private static final long serialVersionUID = 1L;

        public Flood(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "flood";
        }
    }

    /** The peer closed or reset the connection before the handshake completed (it rejected us). */
    public static final class PeerClosed extends MseException {
        private static final long serialVersionUID = 1L;

        public PeerClosed(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "peer-closed";
        }
    }

    /** Our policy forbids what the peer did (a plain handshake to a REQUIRED responder, MSE to a DISABLED one). */
    public static final class PolicyRejected extends MseException {
        private static final long serialVersionUID = 1L;

        public PolicyRejected(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "policy-rejected";
        }
    }

    /** The BitTorrent handshake was malformed or named another torrent. */
    public static final class BadPeerHandshake extends MseException {
        private static final long serialVersionUID = 1L;

        public BadPeerHandshake(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "bad-peer-handshake";
        }
    }

    /** The transport failed (connect refused, I/O error). */
    public static final class TransportFailed extends MseException {
        private static final long serialVersionUID = 1L;

        public TransportFailed(String message) {
            super(message);
        }

        @Override
        public String kind() {
            return "transport-failed";
        }
    }
}
