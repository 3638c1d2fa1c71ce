/**
 * The ratchet channel API: {@link dev.interlock.plugin.ratchet.RatchetChannel} over any
 * {@link dev.interlock.plugin.ratchet.FrameTransport}, with a pluggable
 * {@link dev.interlock.plugin.ratchet.KeyExchange} (the hybrid ML-KEM-768 + X25519 by default).
 *
 * <h2>Failures</h2>
 * Stages returned by the channel fail directly (the exception is not wrapped in a CompletionException) with a
 * {@link dev.interlock.plugin.ratchet.RatchetException}: {@link dev.interlock.plugin.ratchet.ChannelClosedException} once the channel is closed or failed,
 * {@link dev.interlock.plugin.ratchet.RekeyTimeoutException} when a rekey wait exceeds its bound; a full operation
 * lane fails a stage with the platform's {@link dev.interlock.api.guard.QueueFullException}. Inbound frames that are
 * rejected (forged, replayed, under a truncated or future version, malformed) never fail a caller: they are dropped,
 * counted in {@link dev.interlock.plugin.ratchet.RatchetStatus} and reported to the channel's rejection listener as a
 * {@link dev.interlock.plugin.ratchet.FrameRejectedException}.
 */
package dev.interlock.plugin.ratchet;
