package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.FrameRejectedException.Reason;
import dev.interlock.plugin.ratchet.internal.Message.AliceToBob;
import dev.interlock.plugin.ratchet.internal.Message.BobToAlice;
import dev.interlock.plugin.ratchet.internal.Message.LeaderCanFinish;
import dev.interlock.plugin.ratchet.internal.Message.LoserCanFinish;
import dev.interlock.plugin.ratchet.internal.Message.Meta;
import dev.interlock.plugin.ratchet.internal.Message.Truncate;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The length-prefixed frame decoder, the message codec and the replay window. */
class FramingTest {

    private final MessageCodec codec = new MessageCodec(32, 48, 100);

    @Test
    void decoder_streamSplitAtEveryPossibleChunking_yieldsTheSameFrames() {
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<byte[]> frames = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 50; i++) {
            byte[] frame = new byte[1 + random.nextInt(300)];
            random.nextBytes(frame);
            frames.add(frame);
            stream.writeBytes(LengthPrefixedFrameDecoder.encode(frame, 1000));
        }
        byte[] bytes = stream.toByteArray();
        for (int maxChunk : new int[] {1, 2, 3, 7, 64, 4096}) {
            LengthPrefixedFrameDecoder decoder = new LengthPrefixedFrameDecoder(1000);
            List<byte[]> out = new ArrayList<>();
            for (int at = 0; at < bytes.length; ) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(maxChunk));
                out.addAll(decoder.feed(bytes, at, n));
                at += n;
            }
            assertThat(out).hasSize(frames.size());
            for (int i = 0; i < frames.size(); i++) {
                assertThat(out.get(i)).isEqualTo(frames.get(i));
            }
            assertThat(decoder.buffered()).isZero();
        }
    }

    @Test
    void decoder_lengthAboveTheCapOrZero_failsNamingLengthAndLimitBeforeBuffering() {
        LengthPrefixedFrameDecoder decoder = new LengthPrefixedFrameDecoder(1000);
        assertThatThrownBy(() -> decoder.feed(new byte[] {0, 0, 3, (byte) 0xe9}, 0, 4))
                .isInstanceOf(LengthPrefixedFrameDecoder.FramingException.class)
                .hasMessageContaining("1001").hasMessageContaining("1..1000");
        assertThatThrownBy(() -> new LengthPrefixedFrameDecoder(10).feed(new byte[4], 0, 4))
                .hasMessageContaining("frame length 0");
        assertThatThrownBy(() -> LengthPrefixedFrameDecoder.encode(new byte[11], 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("11 bytes");
    }

    @Test
    void codec_everyMessage_roundTrips() {
        List<Message> messages = List.of(
                new Message.App(new byte[] {1, 2, 3}),
                new AliceToBob(new Meta(2, 7), 8, filled(32, 9), null),
                new AliceToBob(new Meta(0, 0), 1, filled(32, 9), filled(100, 4)),
                new BobToAlice(new Meta(2, 7), 8, filled(48, 5)),
                new Truncate(new Meta(3, 8), 8, 2),
                new LoserCanFinish(new Meta(2, 8), 8),
                new LeaderCanFinish(new Meta(2, 8), 8));
        for (Message m : messages) {
            Message decoded = codec.decode(m.type(), codec.encode(m));
            assertThat(decoded).usingRecursiveComparison().isEqualTo(m);
        }
    }

    @Test
    void codec_wrongLengthsTrailingBytesOrUnknownType_rejectedAsMalformed() {
        byte[] aliceWrongKey = new MessageCodec(31, 48, 100).encode(new AliceToBob(new Meta(0, 0), 1,
                filled(31, 1), null));
        assertMalformed(Message.ALICE_TO_BOB, aliceWrongKey, "public key of 31 bytes; expected exactly 32");
        byte[] bigPayload = new MessageCodec(32, 48, 1000).encode(new AliceToBob(new Meta(0, 0), 1,
                filled(32, 1), filled(101, 2)));
        assertMalformed(Message.ALICE_TO_BOB, bigPayload, "limit is 100");
        byte[] finish = codec.encode(new LoserCanFinish(new Meta(0, 1), 1));
        assertMalformed(Message.LOSER_CAN_FINISH, Arrays.copyOf(finish, finish.length + 1), "1 trailing bytes");
        assertMalformed(Message.LOSER_CAN_FINISH, Arrays.copyOf(finish, 20), "ends inside version");
        assertMalformed((byte) 9, finish, "unknown frame type 9");
        assertMalformed(Message.APP, new byte[101], "exceeds maxPayload 100");
        byte[] badWindow = codec.encode(new LeaderCanFinish(new Meta(5, 1), 1));
        assertMalformed(Message.LEADER_CAN_FINISH, badWindow, "not a valid window");
    }

    @Test
    void replayWindow_freshDuplicateAndTooOld() {
        ReplayWindow w = new ReplayWindow(64);
        for (long c : new long[] {0, 1, 5, 3, 70}) {
            assertThat(w.check(c)).isEqualTo(ReplayWindow.Verdict.FRESH);
            w.mark(c);
        }
        assertThat(w.check(5)).isEqualTo(ReplayWindow.Verdict.TOO_OLD); // 70 - 5 >= 64
        assertThat(w.check(70)).isEqualTo(ReplayWindow.Verdict.REPLAYED);
        assertThat(w.check(69)).isEqualTo(ReplayWindow.Verdict.FRESH);
        assertThat(w.check(7)).isEqualTo(ReplayWindow.Verdict.FRESH); // 70 - 7 = 63, inside, never seen
        w.mark(7);
        assertThat(w.check(7)).isEqualTo(ReplayWindow.Verdict.REPLAYED);
        w.mark(1000);
        assertThat(w.check(999)).isEqualTo(ReplayWindow.Verdict.FRESH);
        assertThat(w.check(70)).isEqualTo(ReplayWindow.Verdict.TOO_OLD);
    }

    private void assertMalformed(byte type, byte[] body, String message) {
        assertThatThrownBy(() -> codec.decode(type, body)).isInstanceOfSatisfying(FrameRejectedException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED)).hasMessageContaining(message);
    }

    private static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
