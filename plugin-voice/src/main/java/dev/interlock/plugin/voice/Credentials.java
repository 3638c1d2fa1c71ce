package dev.interlock.plugin.voice;

import java.util.Map;
import java.util.Objects;

/**
 * What a connection attempt authenticates with: HTTP headers for the upgrade request (e.g. {@code Authorization:
 * Bearer <ephemeral token>}). Values are secrets: {@link #toString()} prints header names only.
 *
 * @param headers header name to value; copied
 */
public record Credentials(Map<String, String> headers) {

    public Credentials {
        headers = Map.copyOf(Objects.requireNonNull(headers, "headers"));
    }

    /** No headers. */
    public static Credentials none() {
        return new Credentials(Map.of());
    }

    /** {@code Authorization: Bearer token}. */
    public static Credentials bearer(String token) {
        Objects.requireNonNull(token, "token");
        return new Credentials(Map.of("Authorization", "Bearer " + token));
    }

    @Override
    public String toString() {
        return "Credentials[headers=" + headers.keySet() + " (values hidden)]";
    }
}
