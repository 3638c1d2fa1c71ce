package dev.interlock.plugin.mse.internal;

import java.util.Arrays;

/**
 * The bytes a connection has received and not yet consumed. Indexes are relative to the read position; nothing is
 * consumed until a whole field is there. Bytes appended after {@link #decryptFrom} are decrypted on arrival. Not
 * thread-safe: used only inside the connection's lane.
 */
final class InputBuffer {
    private byte[] data = new byte[256];
    private int read;
    private int write;
    private MseCrypto.Rc4 inbound;

    int readable() {
        return write - read;
    }

    void append(byte[] chunk) {
        ensure(chunk.length);
        System.arraycopy(chunk, 0, data, write, chunk.length);
        if (inbound != null) {
            inbound.apply(data, write, chunk.length);
        }
        write += chunk.length;
    }

    /** Decrypts {@code len} readable bytes starting at relative {@code offset} in place. */
    void decrypt(MseCrypto.Rc4 cipher, int offset, int len) {
        cipher.apply(data, read + offset, len);
    }

    /** Decrypts every readable byte from relative {@code offset} on, and every byte appended later, with {@code cipher}. */
    void decryptFrom(int offset, MseCrypto.Rc4 cipher) {
        cipher.apply(data, read + offset, write - read - offset);
        inbound = cipher;
    }

    byte get(int offset) {
        return data[read + offset];
    }

    int getU16(int offset) {
        return ((data[read + offset] & 0xff) << 8) | (data[read + offset + 1] & 0xff);
    }

    int getI32(int offset) {
        return ((data[read + offset] & 0xff) << 24) | ((data[read + offset + 1] & 0xff) << 16)
                | ((data[read + offset + 2] & 0xff) << 8) | (data[read + offset + 3] & 0xff);
    }

    byte[] take(int len) {
        byte[] out = Arrays.copyOfRange(data, read, read + len);
        read += len;
        return out;
    }

    void skip(int len) {
        read += len;
    }

    byte[] takeAll() {
        return take(readable());
    }

    /** The relative offset of {@code needle} at or before {@code maxOffset}, or -1. */
    int indexOf(byte[] needle, int maxOffset) {
        int last = Math.min(maxOffset, readable() - needle.length);
        outer:
        for (int i = 0; i <= last; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[read + i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    boolean startsWith(byte[] prefix) {
        if (readable() < prefix.length) {
            return false;
        }
        return Arrays.equals(data, read, read + prefix.length, prefix, 0, prefix.length);
    }

    /** Drops the contents and the backing array. */
    void release() {
        data = new byte[0];
        read = 0;
        write = 0;
        inbound = null;
    }

    private void ensure(int more) {
        if (write + more <= data.length) {
            return;
        }
        int live = write - read;
        if (live + more <= data.length && read > 0) {
            System.arraycopy(data, read, data, 0, live);
        } else {
            byte[] bigger = new byte[Math.max(data.length * 2, live + more)];
            System.arraycopy(data, read, bigger, 0, live);
            data = bigger;
        }
        read = 0;
        write = live;
    }
}
