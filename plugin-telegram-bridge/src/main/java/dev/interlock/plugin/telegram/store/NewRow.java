package dev.interlock.plugin.telegram.store;

import java.util.Objects;

/**
 * A row to append to the outbox. At most 4096 UTF-16 units in each rendering (the caller splits longer content).
 *
 * @param kind       what the row is
 * @param html       Telegram HTML, or {@code null} for plain text only
 * @param plain      plain text, never {@code null}
 * @param approvalId for {@link OutboxEntry.Kind#APPROVAL} rows, the approval id
 */
public record NewRow(OutboxEntry.Kind kind, String html, String plain, String approvalId) {
    public NewRow {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(plain, "plain");
        if (kind == OutboxEntry.Kind.APPROVAL && approvalId == null) {
            throw new IllegalArgumentException("an APPROVAL row needs an approvalId");
        }
    }

    public static NewRow text(String html, String plain) {
        return new NewRow(OutboxEntry.Kind.TEXT, html, plain, null);
    }
}
