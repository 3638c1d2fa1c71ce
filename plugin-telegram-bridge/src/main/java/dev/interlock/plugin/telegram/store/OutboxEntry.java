package dev.interlock.plugin.telegram.store;

/**
 * One accepted, not yet delivered piece of a bridge message, as persisted in the outbox.
 *
 * @param id         outbox id; per session, ids increase in the order the daemon accepted the messages
 * @param sessionId  the agent session
 * @param chatId     the Telegram chat
 * @param kind       {@link Kind#TEXT} or {@link Kind#APPROVAL}
 * @param html       the text in Telegram HTML, or {@code null} if it must be sent as plain text
 * @param plain      the plain-text rendering (the fallback when Telegram rejects the markup)
 * @param approvalId the approval this row asks for, for {@link Kind#APPROVAL}; otherwise {@code null}
 */
public record OutboxEntry(long id, String sessionId, long chatId, Kind kind, String html, String plain,
                          String approvalId) {

    /** What an outbox row is. */
    public enum Kind {
        /** A message; may be packed with its neighbours of the same session. */
        TEXT,
        /** An approval request: sent alone, with an inline keyboard. */
        APPROVAL
    }
}
