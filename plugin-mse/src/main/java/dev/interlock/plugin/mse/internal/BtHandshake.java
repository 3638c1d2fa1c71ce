package dev.interlock.plugin.mse.internal;

import dev.interlock.plugin.mse.MseException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The 68-byte BitTorrent handshake (BEP 3): {@code 19 | "BitTorrent protocol" | reserved(8) | info_hash(20) |
 * peer_id(20)}.
 *
 * @param reserved the 8 reserved (extension) bytes
 * @param infoHash the 20-byte info-hash
 * @param peerId   the 20-byte peer id
 */
public record BtHandshake(byte[] reserved, byte[] infoHash, byte[] peerId) {

    /** Total length on the wire. */
    public static final int LENGTH = 68;
    /** The first 20 bytes of every plain connection: the length byte 19 and the protocol string. */
    public static final byte[] HEADER = header();

    public BtHandshake {
        reserved = check(reserved, 8, "reserved");
        infoHash = check(infoHash, 20, "infoHash");
        peerId = check(peerId, 20, "peerId");
    }

    private static byte[] header() {
        byte[] h = new byte[20];
        h[0] = 19;
        System.arraycopy("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII), 0, h, 1, 19);
        return h;
    }

    private static byte[] check(byte[] v, int len, String name) {
        if (v.length != len) {
            throw new IllegalArgumentException(name + " must be " + len + " bytes, got " + v.length);
        }
        return v.clone();
    }

    /** The 68 wire bytes. */
    public byte[] encode() {
        byte[] out = new byte[LENGTH];
        System.arraycopy(HEADER, 0, out, 0, 20);
        System.arraycopy(reserved, 0, out, 20, 8);
        System.arraycopy(infoHash, 0, out, 28, 20);
        System.arraycopy(peerId, 0, out, 48, 20);
        return out;
    }

    /** Parses 68 bytes; throws {@link MseException.BadPeerHandshake} naming what was wrong. */
    public static BtHandshake decode(byte[] wire) {
        if (wire.length != LENGTH) {
            throw new IllegalArgumentException("a BitTorrent handshake is 68 bytes, got " + wire.length);
        }
        if (!Arrays.equals(wire, 0, 20, HEADER, 0, 20)) {
            throw new MseException.BadPeerHandshake("peer's BitTorrent handshake does not start with "
                    + "\\x13BitTorrent protocol (got " + HexFormat.of().formatHex(wire, 0, 20)
                    + "): wrong protocol, or the two sides disagree on the crypto method");
        }
        return new BtHandshake(Arrays.copyOfRange(wire, 20, 28), Arrays.copyOfRange(wire, 28, 48),
                Arrays.copyOfRange(wire, 48, 68));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BtHandshake b && Arrays.equals(reserved, b.reserved) && Arrays.equals(infoHash, b.infoHash)
                && Arrays.equals(peerId, b.peerId);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(infoHash) * 31 + Arrays.hashCode(peerId);
    }

    @Override
    public String toString() {
        return "BtHandshake[infoHash=" + HexFormat.of().formatHex(infoHash) + ", peerId="
                + HexFormat.of().formatHex(peerId) + "]";
    }
}
