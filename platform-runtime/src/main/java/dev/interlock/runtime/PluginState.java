package dev.interlock.runtime;

/**
 * Where a plugin is in its life. Transitions: {@code DISCOVERED -> RESOLVED -> STARTED -> STOPPED}; any state may go
 * to {@code FAILED}, which is terminal.
 */
public enum PluginState {
    /** Found (its plugin object exists and its metadata was read); not yet checked. */
    DISCOVERED,
    /** Checked (API range, dependencies) and injected: ready to start or to run a command. */
    RESOLVED,
    /** {@code start} returned normally. */
    STARTED,
    /** {@code stop} returned normally. */
    STOPPED,
    /** Refused, or its start or stop failed or timed out; {@link PluginStatus#reason()} says why. Terminal. */
    FAILED
}
