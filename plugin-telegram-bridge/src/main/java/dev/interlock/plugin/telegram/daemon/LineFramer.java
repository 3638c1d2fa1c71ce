package dev.interlock.plugin.telegram.daemon;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits a byte stream into lines of at most {@code maxLine} bytes (not counting the {@code \n}; a trailing
 * {@code \r} is dropped). Consumes nothing until a whole line has arrived; keeps at most {@code maxLine} bytes.
 *
 * <p>State machine: {@link State#READING} collects a line; a line that grows past the limit moves to
 * {@link State#DISCARDING}, which drops bytes up to the next newline and then reports the over-long line once
 * and returns to READING. Not thread-safe: one instance per connection.
 */
final class LineFramer {

    /** Where the framer is. */
    enum State { READING, DISCARDING }

    /** Receives framing results. */
    interface Sink {
        /** A complete line (a fresh array). Returns false to stop feeding (the connection is closing). */
        boolean line(byte[] line);

        /** A line longer than the limit was dropped; {@code length} is its length in bytes. */
        boolean overlong(long length);
    }

    private final int maxLine;
    private byte[] buffer = new byte[256];
    private int size;
    private long discarded;
    private State state = State.READING;

    LineFramer(int maxLine) {
        this.maxLine = maxLine;
    }

    /** Feeds the readable bytes of {@code in}; returns false if the sink asked to stop. */
    boolean feed(ByteBuffer in, Sink sink) {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (state == State.DISCARDING) {
                if (b == '\n') {
                    state = State.READING;
                    long length = discarded;
                    discarded = 0;
                    if (!sink.overlong(length)) {
                        return false;
                    }
                } else {
                    discarded++;
                }
                continue;
            }
            if (b == '\n') {
                int end = size > 0 && buffer[size - 1] == '\r' ? size - 1 : size;
                byte[] line = Arrays.copyOf(buffer, end);
                size = 0;
                if (buffer.length > 64 * 1024) {
                    buffer = new byte[256];
                }
                if (end == 0) {
                    continue; // blank lines are keep-alives
                }
                if (!sink.line(line)) {
                    return false;
                }
                continue;
            }
            if (size == maxLine) {
                state = State.DISCARDING;
                discarded = size + 1L;
                size = 0;
                buffer = new byte[256];
                continue;
            }
            if (size == buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(maxLine, buffer.length * 2));
            }
            buffer[size++] = b;
        }
        return true;
    }

    /** Bytes of an unfinished line (including a line being discarded). */
    long partial() {
        return state == State.DISCARDING ? discarded : size;
    }

    State state() {
        return state;
    }
}
