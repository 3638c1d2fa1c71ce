package dev.interlock.plugin.telegram.botapi;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * A Bot API call failed. The message names the method, the HTTP status and Telegram's description; it never
 * contains the bot token or the request URL (the token is part of the URL path).
 */
public final class BotApiException extends RuntimeException {

    /** What kind of failure it is, which decides what the caller does about it. */
    public enum Kind {
        /** 429 Too Many Requests: wait {@link #retryAfter()} and try again. */
        RATE_LIMITED,
        /** 400 "message thread not found": the forum topic was deleted. */
        THREAD_NOT_FOUND,
        /** 400 TOPIC_CLOSED: the topic is closed; reopen it. */
        TOPIC_CLOSED,
        /** 400 "can't parse entities": the markup was rejected; send plain text. */
        BAD_MARKUP,
        /** 400 "message is not modified": harmless. */
        NOT_MODIFIED,
        /** 409 Conflict: another getUpdates poller uses this token. */
        CONFLICT,
        /** 5xx: Telegram's side; retry with backoff. */
        SERVER,
        /** No HTTP answer (refused, reset, timed out, malformed): retry with backoff. */
        NETWORK,
        /** Any other refusal (4xx): retrying the same request will not help. */
        REJECTED;

        /** Whether the same request may succeed later. */
        public boolean transientFailure() {
            return this == RATE_LIMITED || this == SERVER || this == NETWORK || this == CONFLICT;
        }
    }

    private final String method;
    private final int status;
    private final Kind kind;
    private final String description;
    private final Duration retryAfter;

    public BotApiException(String method, int status, Kind kind, String description, Duration retryAfter) {
        super(method + " failed: " + (status > 0 ? "HTTP " + status + ", " : "") + kind.name().toLowerCase(Locale.ROOT)
                + ": " + description + (retryAfter != null ? " (retry after " + retryAfter.toSeconds() + " s)" : ""));
        this.method = method;
        this.status = status;
        this.kind = kind;
        this.description = description;
        this.retryAfter = retryAfter;
    }

    /** Classifies a Telegram error answer. */
    public static BotApiException fromAnswer(String method, int status, String description, Integer retryAfterSeconds) {
        String d = description == null ? "" : description;
        Kind kind;
        if (status == 429) {
            kind = Kind.RATE_LIMITED;
        } else if (status == 409) {
            kind = Kind.CONFLICT;
        } else if (status >= 500) {
            kind = Kind.SERVER;
        } else if (d.contains("message thread not found")) {
            kind = Kind.THREAD_NOT_FOUND;
        } else if (d.contains("TOPIC_CLOSED")) {
            kind = Kind.TOPIC_CLOSED;
        } else if (d.contains("can't parse entities")) {
            kind = Kind.BAD_MARKUP;
        } else if (d.contains("message is not modified")) {
            kind = Kind.NOT_MODIFIED;
        } else {
            kind = Kind.REJECTED;
        }
        Duration retry = retryAfterSeconds == null ? (kind == Kind.RATE_LIMITED ? Duration.ofSeconds(1) : null)
                : Duration.ofSeconds(Math.max(0, retryAfterSeconds));
        return new BotApiException(method, status, kind, d, retry);
    }

    public String method() {
        return method;
    }

    /** The HTTP status, or 0 if there was no HTTP answer. */
    public int status() {
        return status;
    }

    public Kind kind() {
        return kind;
    }

    /** Telegram's description, or a redacted description of the network failure. */
    public String description() {
        return description;
    }

    /** For {@link Kind#RATE_LIMITED}: how long Telegram asked us to wait. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
