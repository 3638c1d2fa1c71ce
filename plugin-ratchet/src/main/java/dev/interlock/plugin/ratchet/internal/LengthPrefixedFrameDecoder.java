package dev.interlock.plugin.ratchet.internal;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a byte stream into frames, each a 4-byte big-endian length then that many bytes. Consumes nothing of a frame
 * until all of it has arrived; buffers at most one frame ({@code 4 + maxFrameLength} bytes). A length above
 * {@code maxFrameLength} (or zero) is a {@link FramingException}: framing is lost, the stream must be closed.
 * Not thread-safe (one reader).
 */
public final class LengthPrefixedFrameDecoder {

    /** The stream can no longer be framed. */
    public static final class FramingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FramingException(String message) {
            super(message);
        }
    }

    private final int maxFrameLength;
    private final byte[] lengthBytes = new byte[4];
    private int lengthFill;
    private byte[] frame;
    private int frameFill;

    public LengthPrefixedFrameDecoder(int maxFrameLength) {
        if (maxFrameLength < 1) {
            throw new IllegalArgumentException("maxFrameLength must be positive, was " + maxFrameLength);
        }
        this.maxFrameLength = maxFrameLength;
    }

    /** Feeds {@code data}; returns the frames it completed, in order. */
    public List<byte[]> feed(byte[] data, int offset, int length) {
        List<byte[]> out = new ArrayList<>(1);
        int i = offset;
        int end = offset + length;
        while (i < end) {
            if (frame == null) {
                int take = Math.min(4 - lengthFill, end - i);
                System.arraycopy(data, i, lengthBytes, lengthFill, take);
                lengthFill += take;
                i += take;
                if (lengthFill == 4) {
                    int len = ((lengthBytes[0] & 0xff) << 24) | ((lengthBytes[1] & 0xff) << 16)
                            | ((lengthBytes[2] & 0xff) << 8) | (lengthBytes[3] & 0xff);
                    if (len <= 0 || len > maxFrameLength) {
                        throw new FramingException("frame length " + Integer.toUnsignedString(len)
                                + " is outside 1.." + maxFrameLength + " bytes; the stream is not a ratchet stream"
                                + " or the peer's limit is larger (raise RatchetOptions.maxPayload on both ends)");
                    }
                    frame = new byte[len];
                    frameFill = 0;
                    lengthFill = 0;
                }
            } else {
                int take = Math.min(frame.length - frameFill, end - i);
                System.arraycopy(data, i, frame, frameFill, take);
                frameFill += take;
                i += take;
                if (frameFill == frame.length) {
                    out.add(frame);
                    frame = null;
                }
            }
        }
        return out;
    }

    /** Bytes of an unfinished frame buffered right now. */
    public int buffered() {
        return frame == null ? lengthFill : 4 + frameFill;
    }

    /** {@code frame} with its 4-byte length prefix. */
    public static byte[] encode(byte[] frame, int maxFrameLength) {
        if (frame.length == 0 || frame.length > maxFrameLength) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes is outside 1.." + maxFrameLength);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(frame.length + 4);
        out.write(frame.length >>> 24);
        out.write(frame.length >>> 16);
        out.write(frame.length >>> 8);
        out.write(frame.length);
        out.writeBytes(frame);
        return out.toByteArray();
    }
}
