package dev.interlock.plugin.mse.cli;

import dev.interlock.plugin.mse.MseException;
import dev.interlock.plugin.mse.MseSession;

import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** One-line JSON for command output. */
final class Json {
    private Json() {
    }

    static String session(String peer, MseSession s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer", peer);
        m.put("ok", true);
        m.put("mse", s.obfuscated());
        m.put("encrypted", s.encrypted());
        m.put("method", s.method().map(x -> x.label()).orElse("none"));
        m.put("infoHash", HexFormat.of().formatHex(s.infoHash()));
        m.put("remotePeerId", HexFormat.of().formatHex(s.remotePeerId()));
        m.put("attempts", s.attempts());
        m.put("millis", s.handshakeTime().toNanos() / 1e6);
        return write(m);
    }

    static String failure(String peer, Throwable t, double millis) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peer", peer);
        m.put("ok", false);
        m.put("error", t instanceof MseException e ? e.kind() : t.getClass().getSimpleName());
        m.put("message", String.valueOf(t.getMessage()));
        m.put("millis", millis);
        return write(m);
    }

    static String write(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            string(b, e.getKey());
            b.append(':');
            Object v = e.getValue();
            if (v instanceof Number || v instanceof Boolean) {
                b.append(v);
            } else {
                string(b, String.valueOf(v));
            }
        }
        return b.append('}').toString();
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
