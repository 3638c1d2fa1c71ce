package dev.interlock.plugin.voice;

/**
 * Bounds of a session's outbound queue (events accepted by {@link VoiceSession#send} and not yet taken by a channel),
 * with one policy per {@link ClientEventType.EventClass}:
 * <ul>
 *   <li><b>Control events</b> are never dropped. When {@code maxControlEvents} are queued, {@code send} of another
 *       control event throws {@link OutboundQueueFullException} (nothing is queued, nothing else changes).
 *   <li><b>Audio appends</b> ({@code input_audio_buffer.append}) are shed oldest first, each reported to
 *       {@link VoiceSession.Listener#onAudioShed}, whenever the queued audio events' JSON exceeds
 *       {@code audioBudgetChars}: stale microphone audio is worth less than fresh audio, and the server does not
 *       acknowledge appends anyway. Shedding keeps the relative order of everything that stays.
 *   <li><b>Any single event</b> longer than {@code maxEventChars} is rejected by {@code send} with
 *       {@link IllegalArgumentException} (the Realtime API caps one append at 15 MiB of base64).
 * </ul>
 *
 * @param maxControlEvents hard cap on queued control events
 * @param audioBudgetChars budget for queued audio appends, in UTF-16 characters of JSON
 * @param maxEventChars    longest accepted event, in UTF-16 characters of JSON
 */
public record OutboundLimits(int maxControlEvents, long audioBudgetChars, int maxEventChars) {

    /** 4,096 control events; 16 Mi chars of queued audio (about 10 minutes of 24 kHz PCM16); 15 Mi chars per event. */
    public static final OutboundLimits DEFAULTS = new OutboundLimits(4_096, 16L << 20, 15 << 20);

    public OutboundLimits {
        if (maxControlEvents < 1 || maxEventChars < 64 || audioBudgetChars < maxEventChars) {
            throw new IllegalArgumentException("invalid OutboundLimits: maxControlEvents=" + maxControlEvents
                    + " (>= 1), maxEventChars=" + maxEventChars + " (>= 64), audioBudgetChars=" + audioBudgetChars
                    + " (>= maxEventChars, so that one append always fits)");
        }
    }
}
