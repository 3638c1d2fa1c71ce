package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.FrameTransport;
import dev.interlock.testkit.Endpoint;
import dev.interlock.testkit.LinkCloseReason;

import java.io.IOException;
import java.util.Objects;

/**
 * Length-prefixed frames over one end of the testkit's {@link dev.interlock.testkit.SimulatedLink} (which re-chunks
 * the bytes at random). A framing error resets the link. Confined to the link's scheduler.
 */
public final class SimulatedLinkTransport implements FrameTransport {

    private final Endpoint endpoint;
    private final int maxFrameLength;
    private final LengthPrefixedFrameDecoder decoder;
    private Listener listener;
    private boolean ended;

    public SimulatedLinkTransport(Endpoint endpoint, int maxFrameLength) {
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.maxFrameLength = maxFrameLength;
        this.decoder = new LengthPrefixedFrameDecoder(maxFrameLength);
    }

    @Override
    public void start(Listener newListener) {
        if (listener != null) {
            throw new IllegalStateException("transport " + describe() + " was already started");
        }
        listener = Objects.requireNonNull(newListener, "listener");
        endpoint.onReceive(this::receive);
        endpoint.onClose(this::peerClosed);
    }

    private void receive(byte[] chunk) {
        if (ended) {
            return;
        }
        try {
            for (byte[] frame : decoder.feed(chunk, 0, chunk.length)) {
                listener.onFrame(frame);
            }
        } catch (LengthPrefixedFrameDecoder.FramingException e) {
            ended = true;
            endpoint.reset();
            listener.onClosed(e);
        }
    }

    private void peerClosed(LinkCloseReason reason) {
        if (ended) {
            return;
        }
        ended = true;
        listener.onClosed(reason == LinkCloseReason.CLOSED ? null
                : new IOException("simulated link " + endpoint + " was reset by the peer"));
    }

    @Override
    public void send(byte[] frame) {
        endpoint.send(LengthPrefixedFrameDecoder.encode(frame, maxFrameLength));
    }

    @Override
    public void close() {
        ended = true;
        endpoint.close();
    }

    /**
     * Abrupt close, as when the connection breaks underneath: the peer sees a reset, and this side's listener is told
     * the transport failed.
     */
    public void reset() {
        if (ended) {
            return;
        }
        ended = true;
        endpoint.reset();
        if (listener != null) {
            listener.onClosed(new IOException("simulated link " + endpoint + " was reset by this side"));
        }
    }

    @Override
    public String describe() {
        return endpoint.toString();
    }
}
