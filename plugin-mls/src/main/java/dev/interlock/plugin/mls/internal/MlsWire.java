package dev.interlock.plugin.mls.internal;

import dev.interlock.plugin.mls.MlsException;
import dev.interlock.plugin.mls.MlsException.Reason;

/**
 * A structural check of RFC 9420 wire messages, run BEFORE any byte reaches bcmls.
 *
 * <p>bcmls allocates every variable-length field at the length the message announces before it checks that the bytes
 * are there ({@code MLSInputStream.SliceableStream.readAll}): a 20-byte message can make it allocate 1 GiB. This class
 * walks the TLS presentation-language structure of each message kind we accept (RFC 9420 §6, §7, §10, §12) and
 * checks that every vector fits inside its enclosing vector, that enumerations have known values, and that nothing
 * trails.
 * Only then is the message decoded by the library, which can then allocate at most the message's own size per field.
 *
 * <p>The plaintext inside a PrivateMessage and the secrets inside a Welcome are decoded by bcmls after decryption;
 * those are authenticated by the AEAD, so only holders of the group's (or our init key's) secrets can shape them.
 *
 * <p>Stateless and thread-safe. {@link Header} carries what the client needs to classify a message by epoch before
 * handling it.
 */
public final class MlsWire {

    /** RFC 9420 wire formats (§6). */
    public static final int PUBLIC_MESSAGE = 1, PRIVATE_MESSAGE = 2, WELCOME = 3, GROUP_INFO = 4, KEY_PACKAGE = 5;
    /** Content types (§6). */
    public static final int APPLICATION = 1, PROPOSAL = 2, COMMIT = 3;

    private MlsWire() {
    }

    /**
     * What the outer framing says.
     *
     * @param wireFormat  one of the wire-format constants
     * @param groupId     the group id for public/private messages and group infos, else {@code null}
     * @param epoch       the epoch for public/private messages and group infos, else -1
     * @param contentType the content type for public/private messages, else 0
     */
    public record Header(int wireFormat, byte[] groupId, long epoch, int contentType) {
    }

    /**
     * Checks {@code message} and returns its header.
     *
     * @param maxBytes the largest message accepted
     * @param expected the wire format required, or 0 for any
     * @throws MlsException {@link Reason#OVERSIZED_MESSAGE} or {@link Reason#MALFORMED_MESSAGE}
     */
    public static Header check(byte[] message, int maxBytes, int expected) {
        if (message == null) {
            throw new MlsException(Reason.MALFORMED_MESSAGE, "message is null");
        }
        if (message.length > maxBytes) {
            throw new MlsException(Reason.OVERSIZED_MESSAGE, "message of " + message.length
                    + " bytes exceeds the limit of " + maxBytes
                    + " bytes (option maxMessageBytes); it was not decoded");
        }
        Cursor c = new Cursor(message, 0, message.length);
        try {
            int version = c.u16();
            if (version != 1) {
                throw c.bad("protocol version " + version + ", expected 1 (mls10)");
            }
            int wf = c.u16();
            if (expected != 0 && wf != expected) {
                throw c.bad("wire format " + wf + ", expected " + expected);
            }
            Header h;
            switch (wf) {
                case PUBLIC_MESSAGE -> h = publicMessage(c);
                case PRIVATE_MESSAGE -> {
                    byte[] gid = c.opaque();
                    long epoch = c.u64();
                    int ct = c.u8();
                    if (ct < APPLICATION || ct > COMMIT) {
                        throw c.bad("content type " + ct);
                    }
                    c.skipOpaque(); // authenticated_data
                    c.skipOpaque(); // encrypted_sender_data
                    c.skipOpaque(); // ciphertext
                    h = new Header(wf, gid, epoch, ct);
                }
                case WELCOME -> {
                    c.u16(); // cipher_suite
                    Cursor secrets = c.vector();
                    while (!secrets.done()) {
                        secrets.skipOpaque(); // new_member
                        secrets.skipOpaque(); // kem_output
                        secrets.skipOpaque(); // ciphertext
                    }
                    c.skipOpaque(); // encrypted_group_info
                    h = new Header(wf, null, -1, 0);
                }
                case GROUP_INFO -> h = groupInfo(c);
                case KEY_PACKAGE -> {
                    keyPackage(c);
                    h = new Header(wf, null, -1, 0);
                }
                default -> throw c.bad("wire format " + wf);
            }
            c.expectDone("message");
            return h;
        } catch (Truncated t) {
            throw new MlsException(Reason.MALFORMED_MESSAGE, "message of " + message.length
                    + " bytes is truncated or malformed: " + t.getMessage() + "; it was not decoded");
        }
    }

    private static Header publicMessage(Cursor c) {
        byte[] gid = c.opaque();
        long epoch = c.u64();
        int senderType = c.u8();
        switch (senderType) {
            case 1, 2 -> c.u32(); // member leaf_index / external sender_index
            case 3, 4 -> { } // new_member_proposal / new_member_commit
            default -> throw c.bad("sender type " + senderType);
        }
        c.skipOpaque(); // authenticated_data
        int ct = c.u8();
        switch (ct) {
            case APPLICATION -> c.skipOpaque();
            case PROPOSAL -> proposal(c);
            case COMMIT -> {
                Cursor proposals = c.vector();
                while (!proposals.done()) {
                    int kind = proposals.u8();
                    if (kind == 1) {
                        proposal(proposals);
                    } else if (kind == 2) {
                        proposals.skipOpaque();
                    } else {
                        throw proposals.bad("ProposalOrRef type " + kind);
                    }
                }
                if (c.optional()) {
                    leafNode(c);
                    Cursor nodes = c.vector();
                    while (!nodes.done()) {
                        nodes.skipOpaque(); // encryption_key
                        Cursor secrets = nodes.vector();
                        while (!secrets.done()) {
                            secrets.skipOpaque();
                            secrets.skipOpaque();
                        }
                    }
                }
            }
            default -> throw c.bad("content type " + ct);
        }
        c.skipOpaque(); // signature
        if (ct == COMMIT) {
            c.skipOpaque(); // confirmation_tag
        }
        if (senderType == 1) {
            c.skipOpaque(); // membership_tag
        }
        return new Header(PUBLIC_MESSAGE, gid, epoch, ct);
    }

    private static void proposal(Cursor c) {
        int type = c.u16();
        switch (type) {
            case 1 -> keyPackage(c);
            case 2 -> leafNode(c);
            case 3 -> c.u32();
            case 4 -> {
                int pskType = c.u8();
                if (pskType == 1) {
                    c.skipOpaque();
                } else if (pskType == 2) {
                    c.u8();
                    c.skipOpaque();
                    c.u64();
                } else {
                    throw c.bad("psk type " + pskType);
                }
                c.skipOpaque(); // psk_nonce
            }
            case 5 -> {
                c.skipOpaque();
                c.u16();
                c.u16();
                extensions(c);
            }
            case 6 -> c.skipOpaque();
            case 7 -> extensions(c);
            default -> throw c.bad("proposal type " + type);
        }
    }

    private static void keyPackage(Cursor c) {
        c.u16(); // version
        c.u16(); // cipher_suite
        c.skipOpaque(); // init_key
        leafNode(c);
        extensions(c);
        c.skipOpaque(); // signature
    }

    private static void leafNode(Cursor c) {
        c.skipOpaque(); // encryption_key
        c.skipOpaque(); // signature_key
        credential(c);
        for (int i = 0; i < 5; i++) {
            Cursor list = c.vector(); // capabilities: versions, cipher_suites, extensions, proposals, credentials
            if (list.remaining() % 2 != 0) {
                throw list.bad("capability list of odd length");
            }
        }
        int source = c.u8();
        switch (source) {
            case 1 -> {
                c.u64();
                c.u64();
            }
            case 2 -> { }
            case 3 -> c.skipOpaque();
            default -> throw c.bad("leaf node source " + source);
        }
        extensions(c);
        c.skipOpaque(); // signature
    }

    private static void credential(Cursor c) {
        int type = c.u16();
        if (type == 1) {
            c.skipOpaque();
        } else if (type == 2) {
            Cursor certs = c.vector();
            while (!certs.done()) {
                certs.skipOpaque();
            }
        } else {
            throw c.bad("credential type " + type);
        }
    }

    private static void extensions(Cursor c) {
        Cursor list = c.vector();
        while (!list.done()) {
            int type = list.u16();
            Cursor data = list.vector();
            switch (type) {
                case 1, 4 -> { // application_id, external_pub
                    data.skipOpaque();
                    data.expectDone("extension " + type);
                }
                case 2 -> ratchetTree(data);
                case 3 -> { // required_capabilities
                    for (int i = 0; i < 3; i++) {
                        data.vector();
                    }
                    data.expectDone("required_capabilities");
                }
                case 5 -> { // external_senders
                    Cursor senders = data.vector();
                    while (!senders.done()) {
                        senders.skipOpaque();
                        credential(senders);
                    }
                    data.expectDone("external_senders");
                }
                default -> {
                    if (type > 5 && type < 0xF000) {
                        // bcmls remaps types 6-20 and fails on 21+ (notes/mls.md): reject before it does.
                        throw list.bad("extension type " + type + " is not supported");
                    }
                }
            }
        }
    }

    private static void ratchetTree(Cursor data) {
        Cursor nodes = data.vector();
        while (!nodes.done()) {
            if (!nodes.optional()) {
                continue;
            }
            int type = nodes.u8();
            if (type == 1) {
                leafNode(nodes);
            } else if (type == 2) {
                nodes.skipOpaque(); // encryption_key
                nodes.skipOpaque(); // parent_hash
                Cursor unmerged = nodes.vector();
                if (unmerged.remaining() % 4 != 0) {
                    throw unmerged.bad("unmerged_leaves of length " + unmerged.remaining());
                }
            } else {
                throw nodes.bad("node type " + type);
            }
        }
        data.expectDone("ratchet_tree");
    }

    private static Header groupInfo(Cursor c) {
        c.u16(); // version
        c.u16(); // cipher_suite
        byte[] gid = c.opaque();
        long epoch = c.u64();
        c.skipOpaque(); // tree_hash
        c.skipOpaque(); // confirmed_transcript_hash
        extensions(c); // group context extensions
        extensions(c); // group info extensions
        c.skipOpaque(); // confirmation_tag
        c.u32(); // signer
        c.skipOpaque(); // signature
        return new Header(GROUP_INFO, gid, epoch, 0);
    }

    /**
     * The fields of a PrivateMessage (RFC 9420 §6.3), for a message {@link #check} accepted.
     *
     * @param groupId             group_id
     * @param epoch               epoch
     * @param contentType         content_type
     * @param encryptedSenderData encrypted_sender_data
     * @param ciphertext          ciphertext
     */
    public record PrivateFields(byte[] groupId, long epoch, int contentType, byte[] encryptedSenderData,
                                byte[] ciphertext) {
    }

    /** Splits a checked PrivateMessage into its fields. */
    public static PrivateFields privateFields(byte[] message) {
        Cursor c = new Cursor(message, 0, message.length);
        try {
            c.u16();
            if (c.u16() != PRIVATE_MESSAGE) {
                throw c.bad("wire format, expected a private message");
            }
            byte[] gid = c.opaque();
            long epoch = c.u64();
            int ct = c.u8();
            c.skipOpaque();
            byte[] esd = c.opaque();
            byte[] ciphertext = c.opaque();
            return new PrivateFields(gid, epoch, ct, esd, ciphertext);
        } catch (Truncated t) {
            throw new MlsException(Reason.MALFORMED_MESSAGE, "private message is malformed: " + t.getMessage());
        }
    }

    /** Thrown inside the walk; turned into one MALFORMED_MESSAGE at the top. */
    private static final class Truncated extends RuntimeException {
        Truncated(String message) {
            super(message, null, false, false);
        }
    }

    private static final class Cursor {
        private final byte[] b;
        private int pos;
        private final int end;

        Cursor(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        boolean done() {
            return pos >= end;
        }

        int remaining() {
            return end - pos;
        }

        Truncated bad(String what) {
            return new Truncated("unexpected " + what + " at offset " + pos);
        }

        private void need(long n, String what) {
            if (n > end - pos) {
                throw new Truncated(what + " of " + n + " bytes at offset " + pos + " but only " + (end - pos)
                        + " remain");
            }
        }

        int u8() {
            need(1, "uint8");
            return b[pos++] & 0xFF;
        }

        int u16() {
            need(2, "uint16");
            int v = ((b[pos] & 0xFF) << 8) | (b[pos + 1] & 0xFF);
            pos += 2;
            return v;
        }

        long u32() {
            need(4, "uint32");
            long v = 0;
            for (int i = 0; i < 4; i++) {
                v = (v << 8) | (b[pos++] & 0xFF);
            }
            return v;
        }

        long u64() {
            need(8, "uint64");
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[pos++] & 0xFF);
            }
            return v;
        }

        boolean optional() {
            int p = u8();
            if (p > 1) {
                throw bad("optional presence byte " + p);
            }
            return p == 1;
        }

        /** RFC 9420 §2.1.2 variable-length integer. */
        int varint() {
            need(1, "length");
            int first = b[pos] & 0xFF;
            int prefix = first >>> 6;
            if (prefix == 3) {
                throw bad("length prefix 0b11");
            }
            int len = 1 << prefix;
            need(len, "length");
            long v = first & 0x3F;
            for (int i = 1; i < len; i++) {
                v = (v << 8) | (b[pos + i] & 0xFF);
            }
            pos += len;
            return (int) v;
        }

        Cursor vector() {
            int n = varint();
            need(n, "vector");
            Cursor inner = new Cursor(b, pos, pos + n);
            pos += n;
            return inner;
        }

        byte[] opaque() {
            Cursor v = vector();
            byte[] out = new byte[v.end - v.pos];
            System.arraycopy(b, v.pos, out, 0, out.length);
            return out;
        }

        void skipOpaque() {
            vector();
        }

        void expectDone(String what) {
            if (pos != end) {
                throw new Truncated(what + " has " + (end - pos) + " trailing bytes at offset " + pos);
            }
        }
    }
}
