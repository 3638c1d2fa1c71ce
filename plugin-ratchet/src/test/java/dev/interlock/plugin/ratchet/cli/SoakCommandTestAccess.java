package dev.interlock.plugin.ratchet.cli;

import dev.interlock.api.plugin.PluginConfig;

import java.util.Map;

/** Lets tests in other packages use the map-backed config of {@link SoakCommandTest}. */
public final class SoakCommandTestAccess {
    public PluginConfig config(Map<String, String> settings) {
        return new SoakCommandTest.MapConfig(settings);
    }
}
