package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.plugin.telegram.botapi.Telegram;
import dev.interlock.plugin.telegram.store.NewRow;
import dev.interlock.plugin.telegram.store.OutboxEntry;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns bridge messages into outbox rows of at most {@value Telegram#MAX_MESSAGE_LENGTH} UTF-16 units each.
 *
 * <p>Content is HTML-escaped inside a small HTML frame, except when {@code metadata.format} is {@code "html"}:
 * then the content is passed through as Telegram HTML, and if Telegram rejects it ("can't parse entities") the
 * pacer re-sends the plain rendering. Content too long for one message is split into several rows (plain text,
 * numbered {@code [i/n]}), never truncated; splits fall on a line break where one is near, never inside a
 * surrogate pair.
 */
final class Renderer {

    /** Room kept for the {@code [i/n] } prefix of a split part. */
    private static final int PART_PREFIX_ROOM = 16;

    private Renderer() {
    }

    /** The rows for {@code m} (approval requests: see {@link #approval}). */
    static List<NewRow> render(BridgeMessage m) {
        String icon = switch (m.type()) {
            case "session_start" -> "🟢 Session started";
            case "agent_response" -> "🤖 Agent";
            case "tool_start" -> "🔧 Tool";
            case "tool_result" -> "✅ Result";
            case "user_input" -> "👤 User";
            case "approval_response" -> "🔐 Decision";
            case "error" -> "❌ Error";
            case "pre_compact" -> "🗜 Compacting context";
            case "turn_complete" -> "⏹ Turn complete";
            case "session_end" -> "🔴 Session ended";
            case "session_rename" -> "✏️ Renamed";
            default -> "ℹ️ " + m.type();
        };
        String tool = m.metadata().path("tool").asText("");
        String title = tool.isEmpty() ? icon : icon + ": " + tool;
        String body = m.content();
        boolean raw = "html".equalsIgnoreCase(m.metadata().path("format").asText(""));
        return rows(title, body, raw, m.type().equals("tool_start") || m.type().equals("tool_result"));
    }

    /** A tool-approval request: content parts as TEXT rows, then the APPROVAL row (which carries the buttons). */
    static List<NewRow> approval(BridgeMessage m, String approvalId) {
        String tool = m.metadata().path("tool").asText("tool");
        String title = "🔐 Approval needed: " + tool;
        JsonNode input = m.metadata().get("input");
        String body = m.content().isEmpty() && input != null ? input.toString() : m.content();
        String html = "<b>" + escape(title) + "</b>\n<pre>" + escape(body) + "</pre>";
        String plain = title + "\n" + body;
        List<NewRow> out = new ArrayList<>();
        if (html.length() <= Telegram.MAX_MESSAGE_LENGTH) {
            out.add(new NewRow(OutboxEntry.Kind.APPROVAL, html, plain, approvalId));
            return out;
        }
        out.addAll(rows(title + " (request)", body, false, true));
        String shortText = title + " (request above)";
        out.add(new NewRow(OutboxEntry.Kind.APPROVAL, "<b>" + escape(shortText) + "</b>", shortText, approvalId));
        return out;
    }

    /** A request that was allowed without asking because the session was allowed for its rest. */
    static List<NewRow> autoAllowed(BridgeMessage m) {
        String tool = m.metadata().path("tool").asText("tool");
        JsonNode input = m.metadata().get("input");
        String body = m.content().isEmpty() && input != null ? input.toString() : m.content();
        return rows("✅ Auto-allowed (allowed for this session): " + tool, body, false, true);
    }

    /** The first message of a new topic: empty topics are invisible in clients. */
    static NewRow header(String sessionId, String host, String projectDir) {
        String plain = "📌 Session " + sessionId + (host == null ? "" : "\nHost: " + host)
                + (projectDir == null ? "" : "\nProject: " + projectDir);
        String html = "📌 <b>Session</b> <code>" + escape(sessionId) + "</code>"
                + (host == null ? "" : "\n<b>Host</b>: " + escape(host))
                + (projectDir == null ? "" : "\n<b>Project</b>: <code>" + escape(projectDir) + "</code>");
        if (html.length() > Telegram.MAX_MESSAGE_LENGTH) {
            return NewRow.text(null, plain.substring(0, Math.min(plain.length(), Telegram.MAX_MESSAGE_LENGTH)));
        }
        return NewRow.text(html, plain);
    }

    /** A topic name of 1..128 characters: project folder name and the start of the session id. */
    static String topicName(String sessionId, String projectDir) {
        String project = projectDir == null ? "" : projectDir.replaceAll("/+$", "");
        int slash = project.lastIndexOf('/');
        project = slash >= 0 ? project.substring(slash + 1) : project;
        String id = sessionId.length() > 8 ? sessionId.substring(0, 8) : sessionId;
        String name = project.isEmpty() ? "session " + id : project + " · " + id;
        return name.length() > Telegram.MAX_TOPIC_NAME_LENGTH
                ? name.substring(0, Telegram.MAX_TOPIC_NAME_LENGTH) : name;
    }

    private static List<NewRow> rows(String title, String body, boolean rawHtml, boolean preformatted) {
        String html;
        if (body.isEmpty()) {
            html = "<b>" + escape(title) + "</b>";
        } else if (rawHtml) {
            html = "<b>" + escape(title) + "</b>\n" + body;
        } else if (preformatted) {
            html = "<b>" + escape(title) + "</b>\n<pre>" + escape(body) + "</pre>";
        } else {
            html = "<b>" + escape(title) + "</b>\n" + escape(body);
        }
        String plain = body.isEmpty() ? title : title + "\n" + body;
        if (html.length() <= Telegram.MAX_MESSAGE_LENGTH) {
            return List.of(NewRow.text(html, plain));
        }
        List<String> parts = split(plain, Telegram.MAX_MESSAGE_LENGTH - PART_PREFIX_ROOM);
        List<NewRow> out = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            out.add(NewRow.text(null, "[" + (i + 1) + "/" + parts.size() + "] " + parts.get(i)));
        }
        return out;
    }

    /** Splits into parts of at most {@code limit} UTF-16 units, preferring line breaks, never splitting a pair. */
    static List<String> split(String text, int limit) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        while (text.length() - start > limit) {
            int end = start + limit;
            int newline = text.lastIndexOf('\n', end - 1);
            if (newline > start + limit / 2) {
                end = newline + 1;
            } else if (Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            parts.add(text.substring(start, end));
            start = end;
        }
        parts.add(text.substring(start));
        return parts;
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
