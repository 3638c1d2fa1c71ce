package dev.interlock.plugin.mse.cli;

import dev.interlock.plugin.mse.EncryptionPolicy;

import java.time.Duration;
import java.util.HexFormat;

/** Argument conversions shared by the commands; errors name the value and the expected form. */
final class Options {
    private Options() {
    }

    static byte[] infoHash(String hex) {
        String h = hex.trim();
        if (h.length() != 40) {
            throw new IllegalArgumentException("--info-hash must be 40 hex digits (20 bytes), got " + h.length()
                    + " characters: '" + hex + "'");
        }
        try {
            return HexFormat.of().parseHex(h);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--info-hash must be 40 hex digits, got '" + hex + "'");
        }
    }

    static EncryptionPolicy policy(String text) {
        return EncryptionPolicy.parse(text);
    }

    static Duration duration(String text) {
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            if (t.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1)));
            }
            return Duration.parse(text.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "'; expected e.g. 500ms, 10s or PT10S");
        }
    }

    /** A peer id in the Azureus style: "-IL0100-" followed by 12 random digits from {@code random}. */
    static byte[] peerId(java.util.random.RandomGenerator random) {
        byte[] id = new byte[20];
        byte[] prefix = "-IL0100-".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(prefix, 0, id, 0, prefix.length);
        for (int i = prefix.length; i < 20; i++) {
            id[i] = (byte) ('0' + random.nextInt(10));
        }
        return id;
    }
}
