package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.FrameRejectedException.Reason;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.RekeyState;
import dev.interlock.plugin.ratchet.Side;
import dev.interlock.plugin.ratchet.internal.Message.AliceToBob;
import dev.interlock.plugin.ratchet.internal.Message.Meta;
import dev.interlock.plugin.ratchet.internal.Message.Truncate;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.interlock.plugin.ratchet.internal.ChannelPair.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/** Frames an attacker (or a broken peer) can produce are rejected, and the channel carries on. */
class RatchetSecurityTest {

    private static final RatchetOptions OPTIONS = RatchetOptions.defaults().withWindow(6).withReplayWindow(64);

    /** Holds every application frame B receives, so the test decides what B sees. */
    private static ChannelPair holdingAppFramesAtB(long seed, RatchetOptions options) {
        ChannelPair p = new ChannelPair(seed, options);
        p.tapB.hold = frame -> TappedTransport.type(frame) == Message.APP;
        return p;
    }

    private static byte[] heldFrame(ChannelPair p, String text) {
        p.a.send(bytes(text));
        p.s.runUntilIdle();
        return p.tapB.held.getLast();
    }

    @Test
    void open_tamperedCiphertext_rejectedAsTamperedAndTheGenuineFrameStillOpens() {
        ChannelPair p = holdingAppFramesAtB(21, OPTIONS);
        byte[] genuine = heldFrame(p, "hello");
        p.tapB.inject(ChannelPair.flip(genuine, KeyChain.HEADER + 2));
        p.tapB.inject(ChannelPair.flip(genuine, genuine.length - 1)); // the tag
        p.tapB.inject(ChannelPair.flip(genuine, 1)); // the header's type byte, authenticated as AAD
        p.s.runUntilIdle();
        assertThat(p.rejectedByB).extracting(FrameRejectedException::reason)
                .containsExactly(Reason.TAMPERED, Reason.TAMPERED, Reason.TAMPERED);
        assertThat(p.receivedByB).isEmpty();
        p.tapB.inject(genuine); // a forgery did not burn the counter
        p.s.runUntilIdle();
        assertThat(p.receivedByB).containsExactly("hello");
        assertThat(p.b.status().rejectedFrames()).isEqualTo(3);
    }

    @Test
    void open_replayedFrame_rejectedAndDeliveredOnce() {
        ChannelPair p = holdingAppFramesAtB(22, OPTIONS);
        byte[] frame = heldFrame(p, "once");
        p.tapB.inject(frame);
        p.tapB.inject(frame);
        p.s.runUntilIdle();
        assertThat(p.receivedByB).containsExactly("once");
        assertThat(p.rejectedByB).singleElement().extracting(FrameRejectedException::reason)
                .isEqualTo(Reason.REPLAYED);
    }

    @Test
    void open_counterOlderThanTheReplayWindow_rejected() {
        ChannelPair p = holdingAppFramesAtB(23, OPTIONS);
        byte[] old = heldFrame(p, "old");
        for (int i = 0; i < 70; i++) {
            p.a.send(bytes("n" + i));
        }
        p.s.runUntilIdle();
        for (int i = 1; i < p.tapB.held.size(); i++) {
            p.tapB.inject(p.tapB.held.get(i));
        }
        p.tapB.inject(old);
        p.s.runUntilIdle();
        assertThat(p.receivedByB).hasSize(70).doesNotContain("old");
        assertThat(p.rejectedByB).singleElement().extracting(FrameRejectedException::reason)
                .isEqualTo(Reason.BEYOND_REPLAY_WINDOW);
    }

    @Test
    void open_frameUnderATruncatedVersion_rejectedAsTruncated() {
        ChannelPair p = holdingAppFramesAtB(24, OPTIONS.withWindow(2));
        byte[] underVersion0 = heldFrame(p, "too late");
        for (int i = 0; i < 3; i++) {
            p.a.triggerRekey();
            p.s.runUntilIdle();
        }
        assertThat(p.b.status().earliest()).isEqualTo(2);
        p.tapB.inject(underVersion0);
        p.s.runUntilIdle();
        assertThat(p.receivedByB).isEmpty();
        FrameRejectedException rejection = p.rejectedByB.getFirst();
        assertThat(rejection.reason()).isEqualTo(Reason.TRUNCATED_VERSION);
        assertThat(rejection).hasMessageContaining("version 0").hasMessageContaining("window 2..3");
    }

    @Test
    void open_frameUnderAFutureVersion_rejectedAsFuture() {
        ChannelPair p = holdingAppFramesAtB(25, OPTIONS);
        byte[] frame = heldFrame(p, "x");
        byte[] future = Arrays.copyOf(frame, frame.length);
        KeyChain.putLong(future, 2, 7);
        p.tapB.inject(future);
        p.s.runUntilIdle();
        assertThat(p.rejectedByB).singleElement().extracting(FrameRejectedException::reason)
                .isEqualTo(Reason.FUTURE_VERSION);
    }

    @Test
    void aliceToBob_fromAPeerAheadOfUs_rejectedAndTheChannelCarriesOn() {
        ChannelPair p = new ChannelPair(26, OPTIONS);
        KeyChain forger = p.forgerAsB(10);
        byte[] body = p.codec().encode(new AliceToBob(new Meta(0, 5), 6, new byte[32], null));
        p.tapA.inject(forger.seal(Message.ALICE_TO_BOB, body));
        p.s.runUntilIdle();
        assertThat(p.rejectedByA).singleElement().satisfies(e -> {
            assertThat(e.reason()).isEqualTo(Reason.PEER_AHEAD);
            assertThat(e).hasMessageContaining("version 5").hasMessageContaining("newest version 0");
        });
        assertThat(p.a.status().state()).isEqualTo(RekeyState.IDLE);
        assertThat(p.tapA.outbound).isEmpty(); // no BobToAlice was sent
        var stage = p.a.triggerRekey();
        p.s.runUntilIdle();
        assertThat(stage.toCompletableFuture()).isCompletedWithValue(1L);
    }

    @Test
    void truncate_fromAPeerAheadOrOutOfState_rejected() {
        ChannelPair p = new ChannelPair(27, OPTIONS);
        KeyChain forger = p.forgerAsB(10);
        p.tapA.inject(forger.seal(Message.TRUNCATE, p.codec().encode(new Truncate(new Meta(0, 3), 3, 1))));
        p.tapA.inject(forger.seal(Message.TRUNCATE, p.codec().encode(new Truncate(new Meta(0, 0), 1, 0))));
        p.s.runUntilIdle();
        assertThat(p.rejectedByA).extracting(FrameRejectedException::reason)
                .containsExactly(Reason.PEER_AHEAD, Reason.UNEXPECTED);
        assertThat(p.a.status().earliest()).isZero();
    }

    @Test
    void open_frameSealedUnderAnotherSessionSecret_rejectedAsTampered() {
        ChannelPair p = new ChannelPair(28, OPTIONS);
        byte[] otherSecret = bytes("another session secret, 32 bytes");
        KeyChain stranger = new KeyChain(Side.RESPONDER, otherSecret, 64);
        p.tapA.inject(stranger.seal(Message.APP, bytes("forged")));
        p.s.runUntilIdle();
        assertThat(p.receivedByA).isEmpty();
        assertThat(p.rejectedByA).singleElement().extracting(FrameRejectedException::reason)
                .isEqualTo(Reason.TAMPERED);
    }

    @Test
    void open_truncatedOrGarbageFrames_rejectedAsMalformed() {
        ChannelPair p = new ChannelPair(29, OPTIONS);
        p.tapA.inject(new byte[5]);
        byte[] badMagic = new byte[KeyChain.HEADER + KeyChain.TAG];
        badMagic[0] = 'X';
        p.tapA.inject(badMagic);
        p.s.runUntilIdle();
        assertThat(p.rejectedByA).extracting(FrameRejectedException::reason)
                .containsExactly(Reason.MALFORMED, Reason.MALFORMED);
        p.b.send(bytes("still fine"));
        p.s.runUntilIdle();
        assertThat(p.receivedByA).containsExactly("still fine");
    }

    @Test
    void stream_lengthPrefixAboveTheCap_failsTheChannelNamingLengthAndLimit() {
        ChannelPair p = new ChannelPair(30, OPTIONS);
        var waiter = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        // B's transport writes a raw oversized length prefix to A.
        p.link.right().send(new byte[] {0x7f, 0, 0, 0});
        var next = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(waiter).isCompletedWithValue(1L);
        assertThat(p.a.status().state()).isEqualTo(RekeyState.FAILED);
        assertThat(next).isCompletedExceptionally();
        assertThat(next.handle((v, e) -> e.getCause()).join()).hasMessageContaining("2130706432")
                .hasMessageContaining("outside 1..");
    }
}
