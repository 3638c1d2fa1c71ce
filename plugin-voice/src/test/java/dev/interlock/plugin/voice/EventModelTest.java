package dev.interlock.plugin.voice;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.interlock.plugin.voice.internal.ServerEventDecoder;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventModelTest {

    private final ServerEventDecoder decoder = new ServerEventDecoder();

    @Test
    void clientEvent_factories_wireShape() {
        assertThat(ClientEvent.inputAudioAppend(new byte[]{1, 2, 3}).withEventId("e1").toJson())
                .isEqualTo("{\"type\":\"input_audio_buffer.append\",\"event_id\":\"e1\",\"audio\":\"AQID\"}");
        assertThat(ClientEvent.conversationItemTruncate("item_1", 0, 1500).toJson())
                .isEqualTo("{\"type\":\"conversation.item.truncate\",\"item_id\":\"item_1\",\"content_index\":0,"
                        + "\"audio_end_ms\":1500}");
        assertThat(ClientEvent.conversationItemDelete("item_2").type()).isEqualTo(ClientEventType.CONVERSATION_ITEM_DELETE);
        assertThat(ClientEvent.inputAudioClear().type().eventClass()).isEqualTo(ClientEventType.EventClass.CONTROL);
        assertThat(ClientEvent.inputAudioAppend(new byte[0]).type().eventClass()).isEqualTo(ClientEventType.EventClass.AUDIO);
        assertThat(ClientEvent.sessionUpdate(JsonNodeFactory.instance.objectNode().put("instructions", "be brief"))
                .toJsonTree().path("session").path("instructions").asText()).isEqualTo("be brief");
        assertThat(ClientEvent.responseCancel().toString()).isEqualTo("ClientEvent[response.cancel]");
    }

    /** withEventId splices the id into the JSON text (the send hot path): it must equal serializing the tree. */
    @Test
    void withEventId_newOrReplacedId_textEqualsSerializedTree() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<ClientEvent> events = List.of(ClientEvent.userText("two \"tacos\" \u00e9 \ud83c\udf2e"),
                ClientEvent.inputAudioAppend(new byte[]{1, 2, 3}), ClientEvent.inputAudioCommit(),
                ClientEvent.responseCreate(JsonNodeFactory.instance.objectNode().put("instructions", "a/b")),
                ClientEvent.conversationItemTruncate("item_1", 0, 1500),
                ClientEvent.fromJson("{\"event_id\":\"first\",\"response\":{},\"type\":\"response.create\"}"));
        for (ClientEvent e : events) {
            for (ClientEvent stamped : List.of(e.withEventId("evt_9.z:Q-1"), e.withEventId("a").withEventId("bb_2"))) {
                assertThat(stamped.toJson()).isEqualTo(json.writeValueAsString(stamped.toJsonTree()));
                assertThat(ClientEvent.fromJson(stamped.toJson())).isEqualTo(stamped);
                assertThat((Object) stamped.toJsonTree().without(List.of("event_id")))
                        .isEqualTo(e.toJsonTree().without(List.of("event_id")));
            }
        }
        assertThat(events.get(0).withEventId("x").toJson()).isEqualTo("{\"type\":\"conversation.item.create\","
                + "\"event_id\":\"x\",\"item\":{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_text\",\"text\":\"two \\\"tacos\\\" \u00e9 \ud83c\udf2e\"}]}}");
        ClientEvent stamped = events.get(1).withEventId("e1");
        stamped.toJsonTree().put("audio", "changed");
        assertThat(stamped.withEventId("e2").toJson()).contains("\"audio\":\"AQID\"");
    }

    @Test
    void clientEvent_bodyChangedAfterBuild_eventUnchanged() {
        var item = JsonNodeFactory.instance.objectNode().put("type", "message");
        ClientEvent e = ClientEvent.conversationItemCreate(item);
        item.put("type", "changed");
        e.toJsonTree().put("type", "changed too");
        assertThat(e.toJson()).contains("\"item\":{\"type\":\"message\"}").startsWith("{\"type\":\"conversation.item.create\"");
    }

    @Test
    void fromJson_validEvent_keepsIdAndFields() {
        ClientEvent e = ClientEvent.fromJson("{\"type\":\"response.create\",\"event_id\":\"my-1\",\"response\":{}}");
        assertThat(e.type()).isEqualTo(ClientEventType.RESPONSE_CREATE);
        assertThat(e.eventId()).contains("my-1");
        assertThat(e.toJson()).isEqualTo("{\"type\":\"response.create\",\"event_id\":\"my-1\",\"response\":{}}");
    }

    @Test
    void fromJson_badInput_clearErrors() {
        assertThatThrownBy(() -> ClientEvent.fromJson("{\"type\":\"response.explode\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown client event type 'response.explode'")
                .hasMessageContaining("response.create");
        assertThatThrownBy(() -> ClientEvent.fromJson("not json")).hasMessageContaining("not a JSON client event");
        assertThatThrownBy(() -> ClientEvent.fromJson("[1]")).hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> ClientEvent.fromJson("{\"x\":1}")).hasMessageContaining("needs a string \"type\"");
        assertThatThrownBy(() -> ClientEvent.fromJson("{\"type\":\"response.create\",\"event_id\":\"a b\"}"))
                .hasMessageContaining("invalid event_id 'a b'");
        assertThatThrownBy(() -> ClientEvent.fromJson("{\"type\":\"response.create\",\"event_id\":7}"))
                .hasMessageContaining("\"event_id\" must be a string");
    }

    @Test
    void decode_gaAndBetaNames_sameType() throws Exception {
        ServerEvent ga = decoder.decode("{\"type\":\"response.output_audio_transcript.delta\",\"event_id\":\"e1\","
                + "\"response_id\":\"r\",\"item_id\":\"i\",\"delta\":\"Hi\"}");
        ServerEvent beta = decoder.decode("{\"type\":\"response.audio_transcript.delta\",\"delta\":\"Hi\"}");
        assertThat(ga.type()).contains(ServerEventType.RESPONSE_OUTPUT_AUDIO_TRANSCRIPT_DELTA);
        assertThat(beta.type()).isEqualTo(ga.type());
        assertThat(beta.wireType()).isEqualTo("response.audio_transcript.delta");
        assertThat(((ServerEvent.Text) ga).text()).isEqualTo("Hi");
        assertThat(decoder.decode("{\"type\":\"conversation.item.created\",\"item\":{}}").type())
                .contains(ServerEventType.CONVERSATION_ITEM_ADDED);
        assertThat(decoder.decode("{\"type\":\"conversation.item.added\",\"item\":{}}").type())
                .contains(ServerEventType.CONVERSATION_ITEM_ADDED);
        ServerEvent audio = decoder.decode("{\"type\":\"response.audio.delta\",\"delta\":\"AQID\"}");
        assertThat(audio).isInstanceOfSatisfying(ServerEvent.AudioDelta.class,
                a -> assertThat(a.audio()).containsExactly(1, 2, 3));
        assertThat(decoder.decode("{\"type\":\"response.text.done\",\"text\":\"ok\"}").type())
                .contains(ServerEventType.RESPONSE_OUTPUT_TEXT_DONE);
        assertThat(decoder.decode("{\"type\":\"rate_limits.updated\",\"rate_limits\":[]}"))
                .isInstanceOf(ServerEvent.Known.class);
    }

    @Test
    void decode_unknownType_surfacedAsUnknown() throws Exception {
        ServerEvent e = decoder.decode("{\"type\":\"output_audio_buffer.started\",\"event_id\":\"x\",\"n\":1}");
        assertThat(e).isInstanceOf(ServerEvent.Unknown.class);
        assertThat(e.type()).isEmpty();
        assertThat(e.eventId()).contains("x");
        assertThat(e.raw().path("n").asInt()).isEqualTo(1);
    }

    @Test
    void decode_error_clientEventIdExtracted() throws Exception {
        ServerEvent e = decoder.decode("{\"type\":\"error\",\"event_id\":\"s1\",\"error\":{\"type\":"
                + "\"invalid_request_error\",\"code\":\"bad\",\"message\":\"nope\",\"event_id\":\"evt_9\"}}");
        assertThat(e).isInstanceOfSatisfying(ServerEvent.Error.class, err -> {
            assertThat(err.clientEventId()).contains("evt_9");
            assertThat(err.code()).isEqualTo("bad");
            assertThat(err.message()).isEqualTo("nope");
        });
    }

    @Test
    void decode_malformed_namesTheProblem() {
        assertThatThrownBy(() -> decoder.decode("{oops")).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> decoder.decode("{\"no\":\"type\"}")).hasMessageContaining("no string \"type\"");
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"error\"}")).hasMessageContaining("without an \"error\"");
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"response.output_audio.delta\",\"delta\":\"!!\"}"))
                .hasMessageContaining("not base64");
        assertThatThrownBy(() -> decoder.decode("{\"type\":\"response.output_text.done\"}"))
                .hasMessageContaining("without a string \"text\"");
    }

    @Test
    void credentials_toString_hidesValues() {
        assertThat(Credentials.bearer("ek_secret").toString()).doesNotContain("ek_secret").contains("Authorization");
    }
}
