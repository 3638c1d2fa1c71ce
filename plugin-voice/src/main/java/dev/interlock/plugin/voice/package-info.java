/**
 * Realtime voice sessions whose event channel never loses, duplicates or re-orders a client event (seed 003).
 *
 * <ul>
 *   <li>Front door: {@link dev.interlock.plugin.voice.VoiceSession#builder}. Guarantees (queueing until open, one serial
 *       lane for every send and state change, keep-unsent-in-order on failure, bounds) are stated once on
 *       {@link dev.interlock.plugin.voice.VoiceSession}; the states on {@link dev.interlock.plugin.voice.SessionState}.
 *   <li>Events: {@link dev.interlock.plugin.voice.ClientEvent} (one factory per client event type) and
 *       {@link dev.interlock.plugin.voice.ServerEvent} (GA and beta names; unknown types surfaced).
 *   <li>Transports: the {@link dev.interlock.plugin.voice.EventChannel} seam (contract on the interface), the JDK
 *       WebSocket one through {@link dev.interlock.plugin.voice.WebSocketConnector}, and
 *       {@link dev.interlock.plugin.voice.InMemoryChannel} for tests on the deterministic scheduler.
 * </ul>
 *
 * <p>Nulls are rejected with {@link java.lang.NullPointerException} naming the parameter. Values are immutable.
 */
package dev.interlock.plugin.voice;
