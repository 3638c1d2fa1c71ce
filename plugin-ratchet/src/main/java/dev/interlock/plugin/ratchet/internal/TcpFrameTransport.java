package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.ratchet.FrameTransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Length-prefixed frames over a TCP socket. One reader task and one writer task run on the scheduler (virtual threads
 * in production); {@link #send} only queues. Both halves run to completion independently (seed 001 fix #2: one half
 * ending never cancels the other half-way): a graceful {@link #close()} lets the writer flush what was queued and
 * half-close the socket, the reader reads until the peer half-closes too, and the socket is closed when both halves
 * have ended, or after {@link #LINGER} if the peer never finishes.
 */
public final class TcpFrameTransport implements FrameTransport {

    /** How long after a local close the socket is forced shut if the peer has not closed its half. */
    static final Duration LINGER = Duration.ofSeconds(10);

    private static final System.Logger LOG = System.getLogger(TcpFrameTransport.class.getName());
    private static final byte[] END = new byte[0];

    private final Socket socket;
    private final Scheduler scheduler;
    private final int maxFrameLength;
    private final int maxQueuedFrames;
    private final LinkedBlockingQueue<byte[]> outbound = new LinkedBlockingQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicBoolean notified = new AtomicBoolean();
    private final AtomicInteger halvesRunning = new AtomicInteger(2);
    private final String description;
    private volatile Listener listener;

    public TcpFrameTransport(Socket socket, Scheduler scheduler, int maxFrameLength, int maxQueuedFrames) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (maxFrameLength < 1 || maxQueuedFrames < 1) {
            throw new IllegalArgumentException("maxFrameLength and maxQueuedFrames must be positive, were "
                    + maxFrameLength + " and " + maxQueuedFrames);
        }
        if (!socket.isConnected()) {
            throw new IllegalArgumentException("socket is not connected: " + socket);
        }
        this.maxFrameLength = maxFrameLength;
        this.maxQueuedFrames = maxQueuedFrames;
        this.description = "tcp " + socket.getLocalSocketAddress() + " -> " + socket.getRemoteSocketAddress();
    }

    @Override
    public void start(Listener newListener) {
        Objects.requireNonNull(newListener, "listener");
        if (listener != null) {
            throw new IllegalStateException("transport " + description + " was already started");
        }
        listener = newListener;
        scheduler.execute(this::readLoop);
        scheduler.execute(this::writeLoop);
    }

    @Override
    public void send(byte[] frame) {
        if (closing.get()) {
            throw new IllegalStateException("transport " + description + " is closed");
        }
        byte[] encoded = LengthPrefixedFrameDecoder.encode(frame, maxFrameLength);
        if (queued.incrementAndGet() > maxQueuedFrames) {
            queued.decrementAndGet();
            throw new IllegalStateException("transport " + description + ": " + maxQueuedFrames
                    + " frames already wait for the writer (the peer is not reading fast enough)");
        }
        outbound.add(encoded);
    }

    @Override
    public void close() {
        if (closing.compareAndSet(false, true)) {
            outbound.add(END);
            scheduler.schedule(this::forceClose, LINGER);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    private void readLoop() {
        LengthPrefixedFrameDecoder decoder = new LengthPrefixedFrameDecoder(maxFrameLength);
        byte[] buffer = new byte[16 * 1024];
        try {
            InputStream in = socket.getInputStream();
            int n;
            while ((n = in.read(buffer)) != -1) {
                for (byte[] frame : decoder.feed(buffer, 0, n)) {
                    listener.onFrame(frame);
                }
            }
            if (decoder.buffered() > 0) {
                notifyClosed(new IOException(description + ": the peer closed inside a frame ("
                        + decoder.buffered() + " bytes buffered)"));
            } else {
                notifyClosed(null);
            }
        } catch (LengthPrefixedFrameDecoder.FramingException e) {
            notifyClosed(e);
            forceClose();
        } catch (IOException e) {
            notifyClosed(closing.get() && socket.isClosed() ? null : e);
        } finally {
            halfEnded();
        }
    }

    private void writeLoop() {
        try {
            OutputStream out = socket.getOutputStream();
            while (true) {
                byte[] frame = outbound.take();
                if (frame == END) {
                    break;
                }
                queued.decrementAndGet();
                out.write(frame);
            }
            out.flush();
            socket.shutdownOutput();
        } catch (IOException e) {
            notifyClosed(e);
            try {
                socket.shutdownInput();
            } catch (IOException ignored) {
                // the socket is already unusable; the reader ends on its own
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            notifyClosed(e);
        } finally {
            halfEnded();
        }
    }

    private void notifyClosed(Throwable cause) {
        if (notified.compareAndSet(false, true)) {
            try {
                listener.onClosed(cause);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, description + ": close listener threw", e);
            }
        }
    }

    private void halfEnded() {
        if (halvesRunning.decrementAndGet() == 0) {
            forceClose();
        }
    }

    private void forceClose() {
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, description + ": close failed", e);
        }
    }
}
