package dev.interlock.runtime.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * What a {@code PluginHost} was built with (validated by its builder).
 *
 * @param pluginDirectory   the plugins directory, or {@code null} for none
 * @param dataRoot          the parent of every plugin's data directory
 * @param configDirectory   where {@code <id>.properties} files are read from, or {@code null} for none
 * @param scheduler         the host's time and execution
 * @param guard             the guards every plugin gets
 * @param startTimeout      the limit for injector creation and for each {@code start()}
 * @param stopTimeout       the limit for each {@code stop()}
 * @param overrides         configuration overrides per plugin id (over the files)
 */
public record HostSettings(Path pluginDirectory, Path dataRoot, Path configDirectory, Scheduler scheduler,
        ConcurrencyGuard guard, Duration startTimeout, Duration stopTimeout, Map<String, Map<String, String>> overrides) {

    public HostSettings {
        overrides = Map.copyOf(overrides);
    }
}
