/**
 * The voice plugin (seed 003): a realtime voice session client in the shape of the OpenAI Realtime API whose event
 * channel never loses, duplicates or re-orders a client event.
 *
 * <p>API: {@link dev.interlock.plugin.voice.VoiceSession} (front door), the event model
 * ({@link dev.interlock.plugin.voice.ClientEvent}, {@link dev.interlock.plugin.voice.ServerEvent}) and the transport
 * seam ({@link dev.interlock.plugin.voice.EventChannel}) with a JDK WebSocket transport and an in-memory one.
 * Implementation, the RFC 6455 test/demo server and the CLI commands live in unexported packages.
 */
module dev.interlock.plugin.voice {
    requires transitive dev.interlock.api;
    requires transitive com.fasterxml.jackson.databind;
    requires java.net.http;
    requires info.picocli;

    exports dev.interlock.plugin.voice;

    opens dev.interlock.plugin.voice.cli to info.picocli;

    provides dev.interlock.api.plugin.Plugin with dev.interlock.plugin.voice.internal.VoicePlugin;
}
