package dev.interlock.plugin.mse;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.mse.internal.TcpTransport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Factories for real transports. */
public final class MseTransports {
    private MseTransports() {
    }

    /**
     * Dials {@code address} over TCP on a scheduler task (a virtual thread in production); the reader also runs on
     * the scheduler. Chunks are at most {@value TcpTransport#READ_CHUNK} bytes.
     */
    public static CompletionStage<MseTransport> tcp(Scheduler scheduler, InetSocketAddress address, Duration connectTimeout) {
        CompletableFuture<MseTransport> f = new CompletableFuture<>();
        scheduler.execute(() -> {
            Socket socket = new Socket();
            try {
                socket.setTcpNoDelay(true);
                socket.connect(address, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
                f.complete(new TcpTransport(socket, scheduler));
            } catch (IOException | RuntimeException e) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the connect failure is what we report
                }
                f.completeExceptionally(new MseException.TransportFailed("could not connect to " + address + ": " + e));
            }
        });
        return f;
    }

    /** Wraps an accepted socket. */
    public static MseTransport tcp(Scheduler scheduler, Socket accepted) {
        return new TcpTransport(accepted, scheduler);
    }
}
