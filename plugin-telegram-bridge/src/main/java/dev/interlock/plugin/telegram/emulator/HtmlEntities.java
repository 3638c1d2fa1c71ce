package dev.interlock.plugin.telegram.emulator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;

/**
 * Telegram's HTML parse mode, as far as the emulator needs it: the supported tags must nest properly, {@code <}
 * must start a tag, and only the four named entities and numeric entities are allowed. Produces the text after
 * entity parsing (which is what the 4096-unit limit applies to) or the error Telegram gives.
 */
final class HtmlEntities {

    private static final Set<String> TAGS = Set.of("b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
            "code", "pre", "a", "tg-spoiler", "span", "blockquote");

    private HtmlEntities() {
    }

    /** The parsed text, or throws {@link IllegalArgumentException} with Telegram's description. */
    static String parse(String html) {
        StringBuilder text = new StringBuilder();
        Deque<String> open = new ArrayDeque<>();
        int i = 0;
        while (i < html.length()) {
            char c = html.charAt(i);
            if (c == '<') {
                int end = html.indexOf('>', i);
                if (end < 0) {
                    throw error("Unclosed start tag at byte offset " + offset(html, i));
                }
                String inside = html.substring(i + 1, end).trim();
                boolean closing = inside.startsWith("/");
                String name = (closing ? inside.substring(1) : inside).split("[\\s]", 2)[0].toLowerCase();
                if (!TAGS.contains(name)) {
                    throw error("Unsupported start tag \"" + name + "\" at byte offset " + offset(html, i));
                }
                if (closing) {
                    if (open.isEmpty() || !open.peek().equals(name)) {
                        throw error("Unexpected end tag at byte offset " + offset(html, i));
                    }
                    open.pop();
                } else {
                    open.push(name);
                }
                i = end + 1;
            } else if (c == '&') {
                int end = html.indexOf(';', i);
                String entity = end < 0 ? "" : html.substring(i, end + 1);
                switch (entity) {
                    case "&lt;" -> text.append('<');
                    case "&gt;" -> text.append('>');
                    case "&amp;" -> text.append('&');
                    case "&quot;" -> text.append('"');
                    default -> {
                        if (entity.matches("&#[0-9]{1,7};")) {
                            text.appendCodePoint(Integer.parseInt(entity.substring(2, entity.length() - 1)));
                        } else if (entity.matches("&#x[0-9a-fA-F]{1,6};")) {
                            text.appendCodePoint(Integer.parseInt(entity.substring(3, entity.length() - 1), 16));
                        } else {
                            // Telegram treats a bare '&' that does not start an entity as text.
                            text.append('&');
                            i++;
                            continue;
                        }
                    }
                }
                i = end + 1;
            } else {
                text.append(c);
                i++;
            }
        }
        if (!open.isEmpty()) {
            throw error("Can't find end tag corresponding to start tag \"" + open.peek() + "\"");
        }
        return text.toString();
    }

    private static int offset(String s, int charIndex) {
        return s.substring(0, charIndex).getBytes(StandardCharsets.UTF_8).length;
    }

    private static IllegalArgumentException error(String detail) {
        return new IllegalArgumentException("Bad Request: can't parse entities: " + detail);
    }
}
