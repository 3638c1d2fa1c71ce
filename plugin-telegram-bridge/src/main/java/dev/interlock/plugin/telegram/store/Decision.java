package dev.interlock.plugin.telegram.store;

import java.util.Locale;
import java.util.Optional;

/** The outcome of an approval request. */
public enum Decision {
    /** Allowed once. */
    ALLOW,
    /** Denied. */
    DENY,
    /** Allowed, and every later request of the same session is allowed without asking. */
    ALLOW_SESSION,
    /** Nobody decided in time: the agent asks in its terminal. */
    EXPIRED;

    /** The short code used in callback data ({@code a}, {@code d}, {@code s}). */
    public String code() {
        return switch (this) {
            case ALLOW -> "a";
            case DENY -> "d";
            case ALLOW_SESSION -> "s";
            case EXPIRED -> "x";
        };
    }

    public static Optional<Decision> fromCode(String code) {
        return switch (code) {
            case "a" -> Optional.of(ALLOW);
            case "d" -> Optional.of(DENY);
            case "s" -> Optional.of(ALLOW_SESSION);
            default -> Optional.empty();
        };
    }

    /** The permission decision the agent expects: {@code allow}, {@code deny} or {@code ask}. */
    public String permission() {
        return switch (this) {
            case ALLOW, ALLOW_SESSION -> "allow";
            case DENY -> "deny";
            case EXPIRED -> "ask";
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
