package dev.interlock.plugin.ratchet;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.ratchet.internal.TcpFrameTransport;

import java.net.Socket;

/** Stock {@link FrameTransport}s. */
public final class FrameTransports {

    private FrameTransports() {
    }

    /**
     * Length-prefixed frames over a connected TCP socket: a 4-byte big-endian length, then the frame. A reader and a
     * writer task run on {@code scheduler} (virtual threads in production); both run to completion, and the socket is
     * closed only after both have ended (seed 001 fix #2). An announced length above {@code maxFrameLength} ends the
     * connection with an error naming the length and the limit.
     *
     * @param maxFrameLength   the largest frame accepted or sent, e.g. {@link RatchetOptions#maxFrameLength}
     * @param maxQueuedFrames  how many outbound frames may wait for the writer before {@code send} throws
     */
    public static FrameTransport tcp(Socket socket, Scheduler scheduler, int maxFrameLength, int maxQueuedFrames) {
        return new TcpFrameTransport(socket, scheduler, maxFrameLength, maxQueuedFrames);
    }
}
