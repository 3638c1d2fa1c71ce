package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.FrameRejectedException.Reason;
import dev.interlock.plugin.ratchet.internal.Message.AliceToBob;
import dev.interlock.plugin.ratchet.internal.Message.App;
import dev.interlock.plugin.ratchet.internal.Message.BobToAlice;
import dev.interlock.plugin.ratchet.internal.Message.LeaderCanFinish;
import dev.interlock.plugin.ratchet.internal.Message.LoserCanFinish;
import dev.interlock.plugin.ratchet.internal.Message.Meta;
import dev.interlock.plugin.ratchet.internal.Message.Truncate;

import java.nio.ByteBuffer;

/**
 * Encodes and decodes message bodies (the plaintext inside a sealed frame). Every length is capped: public keys and
 * ciphertexts at the key exchange's exact lengths, payloads at the channel's {@code maxPayload}; trailing bytes are an
 * error. All integers big-endian.
 *
 * <pre>
 *   App              payload
 *   AliceToBob       earliest u64 | latest u64 | next u64 | pkLen u16 | pk | hasPayload u8 | [len u32 | payload]
 *   BobToAlice       earliest u64 | latest u64 | next u64 | ctLen u16 | ct
 *   Truncate         earliest u64 | latest u64 | version u64 | dropThrough u64
 *   LoserCanFinish   earliest u64 | latest u64 | version u64
 *   LeaderCanFinish  earliest u64 | latest u64 | version u64
 * </pre>
 */
final class MessageCodec {

    private final int publicKeyLength;
    private final int ciphertextLength;
    private final int maxPayload;

    MessageCodec(int publicKeyLength, int ciphertextLength, int maxPayload) {
        this.publicKeyLength = publicKeyLength;
        this.ciphertextLength = ciphertextLength;
        this.maxPayload = maxPayload;
    }

    byte[] encode(Message message) {
        return switch (message) {
            case App app -> app.payload();
            case AliceToBob m -> {
                int payloadBytes = m.payload() == null ? 0 : 4 + m.payload().length;
                ByteBuffer b = ByteBuffer.allocate(24 + 2 + m.publicKey().length + 1 + payloadBytes);
                meta(b, m.meta()).putLong(m.next()).putShort((short) m.publicKey().length).put(m.publicKey());
                if (m.payload() == null) {
                    b.put((byte) 0);
                } else {
                    b.put((byte) 1).putInt(m.payload().length).put(m.payload());
                }
                yield b.array();
            }
            case BobToAlice m -> meta(ByteBuffer.allocate(24 + 2 + m.ciphertext().length), m.meta())
                    .putLong(m.next()).putShort((short) m.ciphertext().length).put(m.ciphertext()).array();
            case Truncate m -> meta(ByteBuffer.allocate(32), m.meta()).putLong(m.version()).putLong(m.dropThrough())
                    .array();
            case LoserCanFinish m -> meta(ByteBuffer.allocate(24), m.meta()).putLong(m.version()).array();
            case LeaderCanFinish m -> meta(ByteBuffer.allocate(24), m.meta()).putLong(m.version()).array();
        };
    }

    private static ByteBuffer meta(ByteBuffer b, Meta meta) {
        return b.putLong(meta.earliest()).putLong(meta.latest());
    }

    /** Decodes a body of frame type {@code type}; throws MALFORMED naming the field and the limit. */
    Message decode(byte type, byte[] body) {
        if (type == Message.APP) {
            if (body.length > maxPayload) {
                throw malformed("application payload of " + body.length + " bytes exceeds maxPayload " + maxPayload);
            }
            return new App(body);
        }
        Reader r = new Reader(type, body);
        Meta meta = new Meta(r.u64("earliest"), r.u64("latest"));
        if (meta.earliest() < 0 || meta.latest() < meta.earliest()) {
            throw malformed("window " + meta.earliest() + ".." + meta.latest() + " is not a valid window");
        }
        Message m = switch (type) {
            case Message.ALICE_TO_BOB -> {
                long next = r.u64("next");
                byte[] pk = r.bytes("public key", r.u16("public key length"), publicKeyLength, true);
                byte[] payload = null;
                int flag = r.u8("payload flag");
                if (flag == 1) {
                    payload = r.bytes("piggy-backed payload", r.u32("payload length"), maxPayload, false);
                } else if (flag != 0) {
                    throw malformed("payload flag must be 0 or 1, was " + flag);
                }
                yield new AliceToBob(meta, next, pk, payload);
            }
            case Message.BOB_TO_ALICE -> {
                long next = r.u64("next");
                yield new BobToAlice(meta, next, r.bytes("ciphertext", r.u16("ciphertext length"), ciphertextLength,
                        true));
            }
            case Message.TRUNCATE -> new Truncate(meta, r.u64("version"), r.u64("dropThrough"));
            case Message.LOSER_CAN_FINISH -> new LoserCanFinish(meta, r.u64("version"));
            case Message.LEADER_CAN_FINISH -> new LeaderCanFinish(meta, r.u64("version"));
            default -> throw malformed("unknown frame type " + type + "; known types are 1..6");
        };
        r.end();
        return m;
    }

    private static FrameRejectedException malformed(String message) {
        return new FrameRejectedException(Reason.MALFORMED, message);
    }

    private static final class Reader {
        private final byte type;
        private final ByteBuffer b;

        Reader(byte type, byte[] body) {
            this.type = type;
            this.b = ByteBuffer.wrap(body);
        }

        private void need(int n, String field) {
            if (b.remaining() < n) {
                throw malformed("message type " + type + " ends inside " + field + " (" + b.remaining()
                        + " bytes left, " + n + " needed)");
            }
        }

        long u64(String field) {
            need(8, field);
            long v = b.getLong();
            if (v < 0) {
                throw malformed(field + " " + Long.toUnsignedString(v) + " is out of range");
            }
            return v;
        }

        int u32(String field) {
            need(4, field);
            int v = b.getInt();
            if (v < 0) {
                throw malformed(field + " " + Integer.toUnsignedString(v) + " is out of range");
            }
            return v;
        }

        int u16(String field) {
            need(2, field);
            return b.getShort() & 0xffff;
        }

        int u8(String field) {
            need(1, field);
            return b.get() & 0xff;
        }

        byte[] bytes(String field, int length, int limit, boolean exact) {
            if (exact ? length != limit : length > limit) {
                throw malformed(field + " of " + length + " bytes; " + (exact ? "expected exactly " : "limit is ")
                        + limit);
            }
            need(length, field);
            byte[] out = new byte[length];
            b.get(out);
            return out;
        }

        void end() {
            if (b.hasRemaining()) {
                throw malformed("message type " + type + " has " + b.remaining() + " trailing bytes");
            }
        }
    }
}
