package dev.interlock.plugin.voice;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Optional;

/**
 * An event from the server, decoded. Every event keeps its JSON ({@link #raw()}) and the wire name it arrived with
 * ({@link #wireType()}: a GA or a beta name); the typed records below give the fields a client acts on.
 * Events of a type this client does not know arrive as {@link Unknown}: they are surfaced, never dropped.
 *
 * <p>Values are immutable; {@link #raw()} returns a copy.
 */
public sealed interface ServerEvent {

    /** The {@code type} string exactly as received (GA or beta name). */
    String wireType();

    /** The server's {@code event_id}, if the event had one. */
    Optional<String> eventId();

    /** A copy of the whole event. */
    JsonNode raw();

    /** The decoded type, or empty for {@link Unknown}. */
    Optional<ServerEventType> type();

    /**
     * {@code error}. {@code clientEventId} is the {@code event_id} of the client event that caused it, when the
     * server named one; {@link VoiceSession} resolves it to that event.
     */
    record Error(String wireType, Optional<String> eventId, String errorType, String code, String message,
                 Optional<String> param, Optional<String> clientEventId, JsonNode json) implements ServerEvent {
        @Override
        public JsonNode raw() {
            return json.deepCopy();
        }

        /** A copy of the whole event, like {@link #raw()}. */
        @Override
        public JsonNode json() {
            return json.deepCopy();
        }

        @Override
        public Optional<ServerEventType> type() {
            return Optional.of(ServerEventType.ERROR);
        }
    }

    /** {@code response.output_audio.delta} (beta {@code response.audio.delta}): a chunk of output audio. */
    record AudioDelta(String wireType, Optional<String> eventId, String responseId, String itemId, byte[] audio,
                      JsonNode json) implements ServerEvent {
        public AudioDelta {
            audio = audio.clone();
        }

        /** A copy of the decoded audio bytes. */
        @Override
        public byte[] audio() {
            return audio.clone();
        }

        @Override
        public JsonNode raw() {
            return json.deepCopy();
        }

        /** A copy of the whole event, like {@link #raw()}. */
        @Override
        public JsonNode json() {
            return json.deepCopy();
        }

        @Override
        public Optional<ServerEventType> type() {
            return Optional.of(ServerEventType.RESPONSE_OUTPUT_AUDIO_DELTA);
        }
    }

    /**
     * Text arriving or finished: output audio transcript and output text deltas ({@code delta}) and their done events
     * ({@code transcript} / {@code text}), and function call arguments ({@code delta} / {@code arguments}).
     */
    record Text(ServerEventType kind, String wireType, Optional<String> eventId, String responseId, String itemId,
                String text, boolean done, JsonNode json) implements ServerEvent {
        @Override
        public JsonNode raw() {
            return json.deepCopy();
        }

        /** A copy of the whole event, like {@link #raw()}. */
        @Override
        public JsonNode json() {
            return json.deepCopy();
        }

        @Override
        public Optional<ServerEventType> type() {
            return Optional.of(kind);
        }
    }

    /**
     * Any other known event: sessions, conversation items, the input audio buffer, responses, rate limits. Read the
     * fields from {@link #raw()}.
     */
    record Known(ServerEventType kind, String wireType, Optional<String> eventId, JsonNode json) implements ServerEvent {
        @Override
        public JsonNode raw() {
            return json.deepCopy();
        }

        /** A copy of the whole event, like {@link #raw()}. */
        @Override
        public JsonNode json() {
            return json.deepCopy();
        }

        @Override
        public Optional<ServerEventType> type() {
            return Optional.of(kind);
        }
    }

    /** An event of a type this client does not know: passed on as is. */
    record Unknown(String wireType, Optional<String> eventId, JsonNode json) implements ServerEvent {
        @Override
        public JsonNode raw() {
            return json.deepCopy();
        }

        /** A copy of the whole event, like {@link #raw()}. */
        @Override
        public JsonNode json() {
            return json.deepCopy();
        }

        @Override
        public Optional<ServerEventType> type() {
            return Optional.empty();
        }
    }
}
