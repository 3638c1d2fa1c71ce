package dev.interlock.api.plugin;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A plugin's configuration: string keys and values, from the host's configuration for this plugin. Typed getters
 * fail with an {@link IllegalArgumentException} that names the plugin, the key, the value and what was expected.
 */
public interface PluginConfig {

    /** The value of {@code key}, if set. */
    Optional<String> get(String key);

    /** The value of {@code key}, or {@code defaultValue}. */
    default String get(String key, String defaultValue) {
        return get(key).orElse(defaultValue);
    }

    /** An integer value, or {@code defaultValue} if unset. */
    int getInt(String key, int defaultValue);

    /** A duration in ISO-8601 ({@code PT5S}) or with a unit suffix ({@code 500ms}, {@code 5s}, {@code 2m}). */
    Duration getDuration(String key, Duration defaultValue);

    /** A boolean value ({@code true}/{@code false}), or {@code defaultValue}. */
    boolean getBoolean(String key, boolean defaultValue);

    /** Every key that is set. */
    Set<String> keys();

    /** A view of all settings. */
    Map<String, String> asMap();
}
