package dev.interlock.plugin.voice;

import java.util.concurrent.CompletionStage;

/**
 * One connection that carries JSON events as text messages: the seam between a {@link VoiceSession} and a transport
 * (a WebSocket today; a WebRTC data channel such as {@code oai-events} later).
 *
 * <h2>Contract every transport keeps</h2>
 * <ul>
 *   <li><b>States.</b> {@link ReadyState} moves only forward: {@code CONNECTING -> OPEN -> CLOSING -> CLOSED}, or
 *       straight to {@code CLOSED} from any state. A channel is never reused: a new connection is a new channel.
 *   <li><b>Sending.</b> {@link #send(String)} accepts one message at a time: the caller starts the next send only after
 *       the previous stage completed. The stage completes normally once the transport has taken the whole message
 *       (for a WebSocket: the frame is written to the connection); it completes exceptionally, and then the message
 *       was <em>not</em> delivered, if the channel is not open or fails before taking it. It never throws.
 *   <li><b>Ordering.</b> Messages taken by the transport reach the peer in the order they were sent. After the
 *       <em>peer</em> starts a close, messages this side sent before it saw the close still reach the peer (RFC 6455
 *       §5.5.1 closing handshake); after an abrupt failure ({@link Listener#onClosed} with {@code abrupt = true})
 *       messages taken but not yet read by the peer may be lost: no transport can tell which.
 *   <li><b>Listener.</b> {@link #start(Listener)} is called once. The listener's methods are called one at a time
 *       (never concurrently), in order: {@code onOpen} at most once, {@code onMessage} only after {@code onOpen},
 *       {@code onClosed} exactly once, last. If the channel is already open when {@code start} is called,
 *       {@code onOpen} still follows (a listener sees every transition). Listeners must not block.
 *   <li><b>Inbound size.</b> A transport reassembles fragmented messages and closes the channel (code 1009) when one
 *       exceeds its configured bound, instead of buffering without limit.
 * </ul>
 */
public interface EventChannel {

    /** The channel's state, as the WebSocket and RTCDataChannel {@code readyState}. */
    enum ReadyState { CONNECTING, OPEN, CLOSING, CLOSED }

    /** What a channel reports. Called one at a time; must not block; exceptions thrown are logged by the channel. */
    interface Listener {
        /** The channel is open: sends are accepted from now on. */
        void onOpen();

        /** One whole text message (fragments already reassembled). */
        void onMessage(String text);

        /**
         * The channel is closed; called exactly once, last.
         *
         * @param code   the close code (1000 normal, 1006 abnormal, 1009 too big, ...)
         * @param reason the reason given, possibly empty
         * @param abrupt {@code true} if the connection failed without a closing handshake (messages taken by the
         *               transport may not have reached the peer)
         */
        void onClosed(int code, String reason, boolean abrupt);
    }

    /** Registers the listener and starts delivering to it; see the class documentation. Call once. */
    void start(Listener listener);

    /** The current state. A snapshot: the state may change right after; {@link #send} tells the truth. */
    ReadyState readyState();

    /** Sends one text message; see the class documentation for when the stage completes and what failure means. */
    CompletionStage<Void> send(String text);

    /**
     * Starts a graceful close after the send in progress (if any): the peer receives every message already taken.
     * Idempotent.
     */
    void close(int code, String reason);

    /** Drops the connection at once, without a closing handshake. Idempotent. */
    void abort();

    /** A short description for logs (transport and peer; never credentials). */
    String describe();
}
