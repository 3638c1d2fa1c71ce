package dev.interlock.plugin.telegram.cli;

import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.plugin.telegram.config.BridgeConfig;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A {@link PluginConfig} over a map, for running the plugin's commands without the launcher. */
public record MapPluginConfig(String pluginId, Map<String, String> values) implements PluginConfig {

    public MapPluginConfig {
        values = Map.copyOf(values);
    }

    @Override
    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public int getInt(String key, int defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("plugin " + pluginId + ": " + key + " = '" + v
                    + "' is not an integer; expected e.g. " + defaultValue);
        }
    }

    @Override
    public Duration getDuration(String key, Duration defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            return BridgeConfig.parseDuration(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("plugin " + pluginId + ": " + key + " = '" + v
                    + "' is not a duration; expected e.g. PT5S, 500ms, 5s or 2m");
        }
    }

    @Override
    public boolean getBoolean(String key, boolean defaultValue) {
        String v = values.get(key);
        if (v == null) {
            return defaultValue;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new IllegalArgumentException("plugin " + pluginId + ": " + key + " = '" + v
                + "' is not a boolean; expected true or false");
    }

    @Override
    public Set<String> keys() {
        return values.keySet();
    }

    @Override
    public Map<String, String> asMap() {
        return values;
    }
}
