package dev.interlock.plugin.voice;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The client events of the Realtime API that a {@link VoiceSession} sends, with the class of each for the outbound
 * queue's bounding policy (see {@link OutboundLimits}).
 */
public enum ClientEventType {
    /** {@code session.update}: change the session's configuration. */
    SESSION_UPDATE("session.update", EventClass.CONTROL),
    /** {@code input_audio_buffer.append}: base64 audio; the server does not acknowledge it. */
    INPUT_AUDIO_BUFFER_APPEND("input_audio_buffer.append", EventClass.AUDIO),
    /** {@code input_audio_buffer.commit}: turn the buffered audio into a user message. */
    INPUT_AUDIO_BUFFER_COMMIT("input_audio_buffer.commit", EventClass.CONTROL),
    /** {@code input_audio_buffer.clear}: discard the buffered audio. */
    INPUT_AUDIO_BUFFER_CLEAR("input_audio_buffer.clear", EventClass.CONTROL),
    /** {@code conversation.item.create}: add an item (message, function call output) to the conversation. */
    CONVERSATION_ITEM_CREATE("conversation.item.create", EventClass.CONTROL),
    /** {@code conversation.item.truncate}: truncate an assistant audio item at a point in time. */
    CONVERSATION_ITEM_TRUNCATE("conversation.item.truncate", EventClass.CONTROL),
    /** {@code conversation.item.delete}: remove an item. */
    CONVERSATION_ITEM_DELETE("conversation.item.delete", EventClass.CONTROL),
    /** {@code response.create}: ask the model to respond. */
    RESPONSE_CREATE("response.create", EventClass.CONTROL),
    /** {@code response.cancel}: cancel the response in progress. */
    RESPONSE_CANCEL("response.cancel", EventClass.CONTROL);

    /** How the outbound queue treats an event when it is full. */
    public enum EventClass {
        /** Never dropped: a new one is rejected at the hard cap instead. */
        CONTROL,
        /** May be shed, oldest first, when queued audio exceeds its byte budget. */
        AUDIO
    }

    private static final Map<String, ClientEventType> BY_WIRE_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(ClientEventType::wireName, Function.identity()));

    private final String wireName;
    private final EventClass eventClass;

    ClientEventType(String wireName, EventClass eventClass) {
        this.wireName = wireName;
        this.eventClass = eventClass;
    }

    /** The {@code type} string on the wire, e.g. {@code response.create}. */
    public String wireName() {
        return wireName;
    }

    /** The class of the event for the outbound queue's policy. */
    public EventClass eventClass() {
        return eventClass;
    }

    /** The type with this wire name, if it is one of the client events above. */
    public static Optional<ClientEventType> ofWireName(String wireName) {
        return Optional.ofNullable(BY_WIRE_NAME.get(wireName));
    }
}
