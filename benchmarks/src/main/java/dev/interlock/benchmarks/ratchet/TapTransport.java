package dev.interlock.benchmarks.ratchet;

import dev.interlock.plugin.ratchet.FrameTransport;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A {@link FrameTransport} with no peer, to take one direction of a channel apart: frames the channel sends are
 * checked for their length and then kept ({@link #capturing}) or dropped ({@link #draining}), and the benchmark
 * injects inbound frames with {@link #deliver(byte[])}.
 *
 * <p>Sends come from the channel's lane (one at a time); {@link #deliver} must be called from one thread at a time,
 * as the {@link FrameTransport} contract requires of the listener's caller.
 */
final class TapTransport implements FrameTransport {

    private final String name;
    private final int expectedFrameLength;
    private final List<byte[]> captured;
    private volatile Listener listener;
    private volatile boolean closed;

    private TapTransport(String name, int expectedFrameLength, boolean capture) {
        this.name = Objects.requireNonNull(name, "name");
        this.expectedFrameLength = expectedFrameLength;
        this.captured = capture ? new ArrayList<>() : null;
    }

    /** Drops every frame sent (after checking it is {@code expectedFrameLength} bytes long). */
    static TapTransport draining(String name, int expectedFrameLength) {
        return new TapTransport(name, expectedFrameLength, false);
    }

    /** Keeps every frame sent (after checking it is {@code expectedFrameLength} bytes long), see {@link #captured}. */
    static TapTransport capturing(String name, int expectedFrameLength) {
        return new TapTransport(name, expectedFrameLength, true);
    }

    @Override
    public void start(Listener newListener) {
        if (listener != null) {
            throw new IllegalStateException("tap transport " + name + " was already started");
        }
        listener = Objects.requireNonNull(newListener, "listener");
    }

    @Override
    public void send(byte[] frame) {
        if (closed) {
            throw new IllegalStateException("tap transport " + name + " is closed");
        }
        if (frame.length != expectedFrameLength) {
            // a benchmark that silently measured other frames than it claims would be worthless
            throw new IllegalStateException("tap transport " + name + " got a frame of " + frame.length
                    + " bytes, expected " + expectedFrameLength + " (header + payload + tag)");
        }
        if (captured != null) {
            captured.add(frame); // only the channel's lane sends, one operation at a time
        }
    }

    /** Hands {@code frame} to the channel as if the peer had sent it. */
    void deliver(byte[] frame) {
        Listener l = listener;
        if (l == null) {
            throw new IllegalStateException("tap transport " + name + " was not started by a channel");
        }
        l.onFrame(frame);
    }

    /** The frames sent so far, if capturing; read only once the channel's sends have completed. */
    List<byte[]> captured() {
        if (captured == null) {
            throw new IllegalStateException("tap transport " + name + " drops its frames");
        }
        return List.copyOf(captured);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String describe() {
        return "tap transport " + name;
    }
}
