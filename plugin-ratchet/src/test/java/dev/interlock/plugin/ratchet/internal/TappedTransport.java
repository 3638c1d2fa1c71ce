package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.FrameTransport;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A test wrapper around a real transport: records inbound and outbound frames, can hold back inbound frames that match
 * a predicate (to reorder, replay or delay them), inject frames as if the peer sent them, and drop outbound frames (a
 * silent peer).
 */
final class TappedTransport implements FrameTransport {

    final FrameTransport delegate;
    final List<byte[]> inbound = new ArrayList<>();
    final List<byte[]> held = new ArrayList<>();
    final List<byte[]> outbound = new ArrayList<>();
    volatile Predicate<byte[]> hold = frame -> false;
    volatile boolean dropOutbound;
    private Listener listener;

    TappedTransport(FrameTransport delegate) {
        this.delegate = delegate;
    }

    @Override
    public void start(Listener target) {
        this.listener = target;
        delegate.start(new Listener() {
            @Override
            public void onFrame(byte[] frame) {
                inbound.add(frame.clone());
                if (hold.test(frame)) {
                    held.add(frame);
                } else {
                    target.onFrame(frame);
                }
            }

            @Override
            public void onClosed(Throwable cause) {
                target.onClosed(cause);
            }
        });
    }

    /** Delivers {@code frame} to the channel as if the peer had sent it. */
    void inject(byte[] frame) {
        listener.onFrame(frame.clone());
    }

    @Override
    public void send(byte[] frame) {
        outbound.add(frame.clone());
        if (!dropOutbound) {
            delegate.send(frame);
        }
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String describe() {
        return "tapped " + delegate.describe();
    }

    /** The frame type byte of a frame (in the clear, authenticated). */
    static byte type(byte[] frame) {
        return frame[1];
    }

    /** The key version in a frame's header. */
    static long version(byte[] frame) {
        return KeyChain.getLong(frame, 2);
    }
}
