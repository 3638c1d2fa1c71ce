package dev.interlock.plugin.ratchet;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.ratchet.internal.RatchetEndpoint;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One end of a ratchet session: sealed application messages in both directions, and rekeys that move both ends to a
 * new key version.
 *
 * <h2>Concurrency</h2>
 * Every inbound frame and every API call of a channel runs as one operation on a single serial lane
 * ({@link dev.interlock.api.guard.OperationQueue} from the injected {@link ConcurrencyGuard}); no operation waits on
 * the network, so nothing holds the lane across a round trip. Methods are thread-safe and never block.
 *
 * <h2>Rekeys</h2>
 * {@link #triggerRekey()} starts a round if none is in flight, or joins the one in flight (one rekey per endpoint at
 * a time: concurrent callers, and a caller that arrives while the peer's round is in flight, share that round). The
 * caller is subscribed to the completion watch before AliceToBob is sent, so a round that completes at once is never
 * missed (seed 001 fix #1). Each stage completes with the version reached, or fails with
 * {@link RekeyTimeoutException} after {@link RatchetOptions#rekeyTimeout()}, or {@link ChannelClosedException} when
 * the channel shuts down: no waiter is left behind.
 *
 * <h2>Shutdown</h2>
 * {@link #close()} fails every pending operation with {@link ChannelClosedException}, closes the transport
 * gracefully (frames already sent still reach the peer) and never throws from a background task. When the peer
 * closes, this end shuts down after processing every frame that arrived before the close.
 *
 * <h2>Memory effects</h2>
 * Actions before a call happen-before its operation runs; the operation's actions happen-before its stage completes.
 * Listeners run on the lane, one at a time, in frame order; they must not block, and their exceptions are logged.
 */
public interface RatchetChannel {

    /** Starts building a channel whose lane and watch come from {@code guard}. */
    static Builder builder(ConcurrencyGuard guard) {
        return new Builder(guard);
    }

    /** This channel's name (in every message about it). */
    String name();

    /** Starts or joins a rekey; see the class documentation. */
    CompletionStage<Long> triggerRekey();

    /**
     * Like {@link #triggerRekey()}, with an application payload delivered to the peer exactly once: piggy-backed on
     * the AliceToBob if this call starts the round, otherwise sent as an ordinary message.
     *
     * @throws IllegalArgumentException if the payload exceeds {@link RatchetOptions#maxPayload()}
     */
    CompletionStage<Long> triggerRekey(byte[] payload);

    /**
     * Seals {@code payload} under the newest key version and hands it to the transport. The stage completes once the
     * frame is queued on the transport; the peer's message listener gets it exactly once, in send order.
     *
     * @throws IllegalArgumentException if the payload exceeds {@link RatchetOptions#maxPayload()}
     */
    CompletionStage<Void> send(byte[] payload);

    /** The newest committed key version. */
    long version();

    /** A snapshot for monitoring and tests. */
    RatchetStatus status();

    /** Shuts the channel down (idempotent); the stage completes once no operation runs any more. */
    CompletionStage<Void> close();

    /** Completes once the channel has shut down, for whatever reason. */
    CompletionStage<Void> closed();

    /** Builds a {@link RatchetChannel}. Not thread-safe; {@link #open()} may be called once. */
    final class Builder {
        private final ConcurrencyGuard guard;
        private String name = "ratchet";
        private Side side;
        private byte[] sessionSecret;
        private FrameTransport transport;
        private KeyExchange keyExchange;
        private RatchetOptions options = RatchetOptions.defaults();
        private Consumer<byte[]> onMessage = payload -> { };
        private Consumer<FrameRejectedException> onRejected = rejection -> { };
        private boolean opened;

        private Builder(ConcurrencyGuard guard) {
            this.guard = Objects.requireNonNull(guard, "guard");
        }

        /** A name for messages and logs (default {@code "ratchet"}). */
        public Builder name(String value) {
            this.name = Objects.requireNonNull(value, "name");
            return this;
        }

        /** This end's side; required, and the peer must use the other one. */
        public Builder side(Side value) {
            this.side = Objects.requireNonNull(value, "side");
            return this;
        }

        /**
         * The secret both ends share when the session starts (at least 32 bytes, e.g. from an authenticated
         * handshake); required. Version 0 is derived from it; the array is copied.
         */
        public Builder sessionSecret(byte[] value) {
            Objects.requireNonNull(value, "sessionSecret");
            if (value.length < 32) {
                throw new IllegalArgumentException("sessionSecret must be at least 32 bytes, was " + value.length
                        + " bytes; derive it from the session handshake");
            }
            this.sessionSecret = value.clone();
            return this;
        }

        /** The frame transport to the peer; required. The channel starts it and closes it. */
        public Builder transport(FrameTransport value) {
            this.transport = Objects.requireNonNull(value, "transport");
            return this;
        }

        /** The per-version key exchange (default {@link KeyExchange#hybridMlKem768X25519()}). */
        public Builder keyExchange(KeyExchange value) {
            this.keyExchange = Objects.requireNonNull(value, "keyExchange");
            return this;
        }

        /** Limits and timeouts (default {@link RatchetOptions#defaults()}). */
        public Builder options(RatchetOptions value) {
            this.options = Objects.requireNonNull(value, "options");
            return this;
        }

        /** Receives each application message from the peer, once, in order, on the channel's lane. */
        public Builder onMessage(Consumer<byte[]> value) {
            this.onMessage = Objects.requireNonNull(value, "onMessage");
            return this;
        }

        /** Told about each rejected inbound frame, on the channel's lane. */
        public Builder onRejected(Consumer<FrameRejectedException> value) {
            this.onRejected = Objects.requireNonNull(value, "onRejected");
            return this;
        }

        /**
         * Opens the channel and starts its transport.
         *
         * @throws IllegalStateException naming the missing setting, or if called twice
         */
        public RatchetChannel open() {
            if (opened) {
                throw new IllegalStateException("this builder already opened channel '" + name
                        + "'; use a new builder per channel");
            }
            if (side == null || sessionSecret == null || transport == null) {
                throw new IllegalStateException("channel '" + name + "' needs "
                        + (side == null ? "side(...) " : "") + (sessionSecret == null ? "sessionSecret(...) " : "")
                        + (transport == null ? "transport(...)" : "").trim());
            }
            opened = true;
            KeyExchange kex = keyExchange != null ? keyExchange : KeyExchange.hybridMlKem768X25519();
            byte[] secret = sessionSecret;
            sessionSecret = null;
            try {
                return RatchetEndpoint.open(name, side, secret, transport, kex, options, guard, onMessage, onRejected);
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        }
    }
}
