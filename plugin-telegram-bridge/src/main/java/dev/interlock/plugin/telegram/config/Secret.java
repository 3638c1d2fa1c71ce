package dev.interlock.plugin.telegram.config;

import java.util.Objects;

/** A secret value (the bot token). {@link #toString()} never shows it; only {@link #reveal()} does. */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    /** The secret itself: pass it straight to where it is needed, never to a log or a message. */
    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "Secret[redacted]";
    }
}
