package dev.interlock.plugin.mse;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What a peer accepts and offers. One matrix governs both directions.
 *
 * <h2>Outgoing (initiator)</h2>
 * Attempts in order; each attempt is a NEW connection. The next attempt is made only when the peer rejected the
 * previous one (closed or reset it before the handshake completed); any other failure ends the connect.
 * <table>
 *   <caption>Outgoing attempts</caption>
 *   <tr><th>policy</th><th>attempt 1</th><th>attempt 2</th></tr>
 *   <tr><td>DISABLED</td><td>plain BitTorrent handshake</td><td>none</td></tr>
 *   <tr><td>ALLOW</td><td>plain</td><td>MSE, crypto_provide = plaintext|rc4</td></tr>
 *   <tr><td>PREFER</td><td>MSE, crypto_provide = rc4</td><td>plain</td></tr>
 *   <tr><td>REQUIRED</td><td>MSE, crypto_provide = rc4</td><td>none</td></tr>
 * </table>
 *
 * <h2>Incoming (responder)</h2>
 * <table>
 *   <caption>Incoming handling</caption>
 *   <tr><th>policy</th><th>plain handshake</th><th>MSE: crypto_select</th></tr>
 *   <tr><td>DISABLED</td><td>accepted</td><td>rejected (connection closed)</td></tr>
 *   <tr><td>ALLOW</td><td>accepted</td><td>plaintext if offered, else rc4</td></tr>
 *   <tr><td>PREFER</td><td>accepted</td><td>rc4 if offered, else plaintext</td></tr>
 *   <tr><td>REQUIRED</td><td>rejected (connection closed)</td><td>rc4 if offered, else rejected (no common method)</td></tr>
 * </table>
 *
 * <h2>Resulting matrix (initiator row, responder column): payload mode, attempts</h2>
 * <table>
 *   <caption>Outcome</caption>
 *   <tr><th></th><th>DISABLED</th><th>ALLOW</th><th>PREFER</th><th>REQUIRED</th></tr>
 *   <tr><td>DISABLED</td><td>plain, 1</td><td>plain, 1</td><td>plain, 1</td><td>fails: rejected</td></tr>
 *   <tr><td>ALLOW</td><td>plain, 1</td><td>plain, 1</td><td>plain, 1</td><td>rc4, 2</td></tr>
 *   <tr><td>PREFER</td><td>plain, 2</td><td>rc4, 1</td><td>rc4, 1</td><td>rc4, 1</td></tr>
 *   <tr><td>REQUIRED</td><td>fails: rejected</td><td>rc4, 1</td><td>rc4, 1</td><td>rc4, 1</td></tr>
 * </table>
 * ("'prefer' initiator with 'prefer' responder should encrypt", seed 000: rc4 in one attempt.)
 */
public enum EncryptionPolicy {
    /** Never MSE: plain BitTorrent handshakes only. */
    DISABLED,
    /** Plain first; MSE when the peer insists. As responder, picks plaintext when offered. */
    ALLOW,
    /** MSE with RC4 first; plain when the peer rejects it. As responder, picks RC4 when offered. */
    PREFER,
    /** MSE with RC4 only, in both directions. */
    REQUIRED;

    /** One outgoing attempt: plain ({@code provide} empty) or MSE offering {@code provide}. */
    public record Attempt(Set<CryptoMethod> provide) {
        public Attempt {
            provide = provide.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(provide));
        }

        /** Whether this attempt runs the MSE handshake. */
        public boolean encryptedHandshake() {
            return !provide.isEmpty();
        }
    }

    private static final Attempt PLAIN = new Attempt(Set.of());
    private static final Attempt MSE_RC4 = new Attempt(EnumSet.of(CryptoMethod.RC4));
    private static final Attempt MSE_BOTH = new Attempt(EnumSet.of(CryptoMethod.PLAINTEXT, CryptoMethod.RC4));

    /** The outgoing attempts, in order (see the class table). */
    public List<Attempt> outgoingAttempts() {
        return switch (this) {
            case DISABLED -> List.of(PLAIN);
            case ALLOW -> List.of(PLAIN, MSE_BOTH);
            case PREFER -> List.of(MSE_RC4, PLAIN);
            case REQUIRED -> List.of(MSE_RC4);
        };
    }

    /** Whether an incoming plain BitTorrent handshake is accepted. */
    public boolean acceptsPlainIncoming() {
        return this != REQUIRED;
    }

    /** Whether an incoming MSE handshake is accepted at all. */
    public boolean acceptsMseIncoming() {
        return this != DISABLED;
    }

    /** The responder's choice among {@code offered}, or empty if none is acceptable (see the class table). */
    public Optional<CryptoMethod> select(Set<CryptoMethod> offered) {
        boolean rc4 = offered.contains(CryptoMethod.RC4);
        boolean plain = offered.contains(CryptoMethod.PLAINTEXT);
        return switch (this) {
            case DISABLED -> Optional.empty();
            case ALLOW -> plain ? Optional.of(CryptoMethod.PLAINTEXT) : rc4 ? Optional.of(CryptoMethod.RC4) : Optional.empty();
            case PREFER -> rc4 ? Optional.of(CryptoMethod.RC4) : plain ? Optional.of(CryptoMethod.PLAINTEXT) : Optional.empty();
            case REQUIRED -> rc4 ? Optional.of(CryptoMethod.RC4) : Optional.empty();
        };
    }

    /** Parses {@code disabled|allow|prefer|required} (case-insensitive). */
    public static EncryptionPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown encryption policy '" + text
                    + "'; expected one of disabled, allow, prefer, required");
        }
    }

    /** Lower-case name, e.g. {@code "prefer"}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
