package dev.interlock.plugin.voice;

/**
 * The states of a {@link VoiceSession}.
 *
 * <pre>
 *  IDLE --connect()--> CONNECTING --opened--> OPEN
 *   ^                      |                    |
 *   |                      | attempt failed     | connection lost
 *   |                      v                    v
 *   +---disconnect()--- RECONNECTING <----------+     (backoff, fresh credentials, next attempt)
 *                          |
 *                          | max attempts reached --> FAILED (terminal)
 *  any --close()--> CLOSED (terminal)
 * </pre>
 * {@code disconnect()} from CONNECTING, OPEN or RECONNECTING returns to IDLE and keeps every unsent event for the
 * next {@code connect()}.
 */
public enum SessionState {
    /** Not connected and not trying to; events are queued. */
    IDLE,
    /** The first attempt after {@code connect()} is in progress. */
    CONNECTING,
    /** A channel is open; queued events are being sent. */
    OPEN,
    /** The connection was lost or an attempt failed; waiting for the backoff or attempting again. */
    RECONNECTING,
    /** Closed by {@code close()}; terminal. */
    CLOSED,
    /** Gave up after the maximum number of attempts; terminal. Unsent events are available from the session. */
    FAILED;

    /** Whether no transition leaves this state. */
    public boolean isTerminal() {
        return this == CLOSED || this == FAILED;
    }
}
