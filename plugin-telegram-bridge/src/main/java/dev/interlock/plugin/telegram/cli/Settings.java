package dev.interlock.plugin.telegram.cli;

import dev.interlock.api.plugin.PluginContext;

import java.util.HashMap;
import java.util.Map;

/** Merges the plugin configuration with command-line settings (the command line wins). */
final class Settings {
    private Settings() {
    }

    static Map<String, String> merge(PluginContext context, Map<String, String> options, Map<String, String> set) {
        Map<String, String> all = new HashMap<>(context.config().asMap());
        all.putAll(set);
        options.forEach((k, v) -> {
            if (v != null) {
                all.put(k, v);
            }
        });
        return all;
    }
}
