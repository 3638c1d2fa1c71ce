package dev.interlock.plugin.voice;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The server events a {@link VoiceSession} understands. Each has its GA wire name and, where the Realtime API's
 * older beta used another name for the same event, that alias: both decode to the same type.
 */
public enum ServerEventType {
    ERROR("error"),
    SESSION_CREATED("session.created"),
    SESSION_UPDATED("session.updated"),
    /** GA {@code conversation.item.added}; beta {@code conversation.item.created}. */
    CONVERSATION_ITEM_ADDED("conversation.item.added", "conversation.item.created"),
    CONVERSATION_ITEM_DONE("conversation.item.done"),
    CONVERSATION_ITEM_TRUNCATED("conversation.item.truncated"),
    CONVERSATION_ITEM_DELETED("conversation.item.deleted"),
    INPUT_AUDIO_BUFFER_COMMITTED("input_audio_buffer.committed"),
    INPUT_AUDIO_BUFFER_CLEARED("input_audio_buffer.cleared"),
    INPUT_AUDIO_BUFFER_SPEECH_STARTED("input_audio_buffer.speech_started"),
    INPUT_AUDIO_BUFFER_SPEECH_STOPPED("input_audio_buffer.speech_stopped"),
    RESPONSE_CREATED("response.created"),
    RESPONSE_DONE("response.done"),
    /** GA {@code response.output_audio.delta}; beta {@code response.audio.delta}. */
    RESPONSE_OUTPUT_AUDIO_DELTA("response.output_audio.delta", "response.audio.delta"),
    /** GA {@code response.output_audio.done}; beta {@code response.audio.done}. */
    RESPONSE_OUTPUT_AUDIO_DONE("response.output_audio.done", "response.audio.done"),
    /** GA {@code response.output_audio_transcript.delta}; beta {@code response.audio_transcript.delta}. */
    RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA("response.output_audio_transcript.delta", "response.audio_transcript.delta"),
    /** GA {@code response.output_audio_transcript.done}; beta {@code response.audio_transcript.done}. */
    RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DONE("response.output_audio_transcript.done", "response.audio_transcript.done"),
    /** GA {@code response.output_text.delta}; beta {@code response.text.delta}. */
    RESPONSE_OUTPUT_TEXT_DELTA("response.output_text.delta", "response.text.delta"),
    /** GA {@code response.output_text.done}; beta {@code response.text.done}. */
    RESPONSE_OUTPUT_TEXT_DONE("response.output_text.done", "response.text.done"),
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA("response.function_call_arguments.delta"),
    RESPONSE_FUNCTION_CALL_ARGUMENTS_DONE("response.function_call_arguments.done"),
    RATE_LIMITS_UPDATED("rate_limits.updated");

    private static final Map<String, ServerEventType> BY_NAME = new HashMap<>();

    static {
        for (ServerEventType t : values()) {
            for (String n : t.names) {
                BY_NAME.put(n, t);
            }
        }
    }

    private final List<String> names;

    ServerEventType(String gaName, String... betaNames) {
        this.names = java.util.stream.Stream.concat(java.util.stream.Stream.of(gaName),
                java.util.Arrays.stream(betaNames)).toList();
    }

    /** The GA wire name. */
    public String wireName() {
        return names.getFirst();
    }

    /** Every wire name that decodes to this type: the GA name first, then beta aliases. */
    public List<String> wireNames() {
        return names;
    }

    /** The type a GA or beta wire name decodes to; empty for a name this client does not know. */
    public static Optional<ServerEventType> ofWireName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
