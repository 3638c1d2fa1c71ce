package dev.interlock.plugin.mse.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.mse.MseTransport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@link MseTransport} over a blocking socket: one reader task on the scheduler (a virtual thread in production)
 * delivers chunks in order; sends write under a lock. Close is idempotent and the close callback runs once, from the
 * reader, after the last chunk.
 */
public final class TcpTransport implements MseTransport {

    /** The largest chunk handed to the connection, in bytes. */
    public static final int READ_CHUNK = 16 * 1024;

    private static final System.Logger LOG = System.getLogger(TcpTransport.class.getName());

    private final Socket socket;
    private final Scheduler scheduler;
    private final String remote;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object writeLock = new Object();

    public TcpTransport(Socket socket, Scheduler scheduler) {
        this.socket = socket;
        this.scheduler = scheduler;
        this.remote = String.valueOf(socket.getRemoteSocketAddress());
    }

    @Override
    public void start(Consumer<byte[]> onReceive, Runnable onClosed) {
        scheduler.execute(() -> {
            byte[] buf = new byte[READ_CHUNK];
            try {
                InputStream in = socket.getInputStream();
                int n;
                while ((n = in.read(buf)) > 0) {
                    onReceive.accept(Arrays.copyOf(buf, n));
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "mse tcp " + remote + " read ended: " + e);
            } finally {
                close();
                onClosed.run();
            }
        });
    }

    @Override
    public void send(byte[] data) {
        if (closed.get()) {
            return;
        }
        synchronized (writeLock) {
            try {
                OutputStream out = socket.getOutputStream();
                out.write(data);
                out.flush();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "mse tcp " + remote + " write failed: " + e);
                close();
            }
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "mse tcp " + remote + " close: " + e);
            }
        }
    }

    @Override
    public String remote() {
        return remote;
    }
}
