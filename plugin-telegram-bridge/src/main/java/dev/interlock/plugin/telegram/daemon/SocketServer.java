package dev.interlock.plugin.telegram.daemon;

import dev.interlock.api.exec.Scheduler;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The daemon's Unix domain socket: NDJSON in, one JSON answer line per request line out.
 *
 * <ul>
 *   <li><b>One daemon per socket.</b> An exclusive lock on {@code <socket>.lock} (which also holds the pid) is
 *       taken before the socket is bound; a second daemon fails with a message naming the lock file. A socket file
 *       left by a crashed daemon is removed once the lock is held.
 *   <li><b>Permissions.</b> The socket's directory is created 0700 (an existing one is tightened to 0700); the
 *       socket file is set to 0600 right after bind. (Java cannot set a umask, so the file exists with the
 *       default mode for an instant, inside the 0700 directory that nobody else can enter.)
 *   <li><b>Bounds.</b> At most {@code maxConnections} connections (one more is answered with an error and
 *       closed); lines of at most {@code maxLine} bytes (see {@link LineFramer}).
 *   <li><b>Isolation.</b> Each connection is served by its own task on the scheduler (a virtual thread in
 *       production); a bad line is answered with an error and the connection goes on; a failing connection never
 *       affects another.
 * </ul>
 */
final class SocketServer implements AutoCloseable {

    /** Handles one connection's lines. */
    interface Handler {
        /** Answers one line (without newline); may block (approvals wait here). */
        String onLine(long connection, byte[] line);

        /** Answers an over-long line. */
        String onOverlong(long connection, long length);
    }

    private final Path socket;
    private final int maxLine;
    private final int maxConnections;
    private final Scheduler scheduler;
    private final Handler handler;
    private final System.Logger log;
    private final Semaphore permits;
    private final AtomicLong ids = new AtomicLong();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private FileChannel lockFile;
    private FileLock lock;
    private ServerSocketChannel server;
    private volatile boolean closed;

    SocketServer(Path socket, int maxLine, int maxConnections, Scheduler scheduler, Handler handler,
                 System.Logger log) {
        this.socket = socket.toAbsolutePath();
        this.maxLine = maxLine;
        this.maxConnections = maxConnections;
        this.scheduler = scheduler;
        this.handler = handler;
        this.log = log;
        this.permits = new Semaphore(maxConnections);
    }

    /** Takes the lock, binds, and starts accepting. */
    void start() throws IOException {
        Path dir = socket.getParent();
        Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(owner));
        }
        Files.setPosixFilePermissions(dir, owner);
        Path lockPath = Path.of(socket + ".lock");
        lockFile = FileChannel.open(lockPath, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            lock = lockFile.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException sameJvm) {
            lock = null;
        }
        if (lock == null) {
            lockFile.close();
            throw new IOException("another telegram-bridge daemon is running on " + socket + " (it holds "
                    + lockPath + "). Fix: stop it, or give this one another --socket");
        }
        lockFile.truncate(0);
        lockFile.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)));
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        scheduler.execute(this::acceptLoop);
    }

    Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.log(Level.ERROR, "accept on " + socket + " failed; stopping to accept", e);
                }
                return;
            }
            if (!permits.tryAcquire()) {
                log.log(Level.WARNING, "refused a connection: " + maxConnections + " connections are open"
                        + " (max-connections)");
                try (ch) {
                    write(ch, "{\"ok\":false,\"error\":\"too many connections (limit " + maxConnections
                            + "); retry later\"}");
                } catch (IOException ignored) {
                    // the refused peer went away; nothing to tell it
                }
                continue;
            }
            long id = ids.incrementAndGet();
            open.add(ch);
            scheduler.execute(() -> serve(id, ch));
        }
    }

    private void serve(long id, SocketChannel ch) {
        LineFramer framer = new LineFramer(maxLine);
        ByteBuffer in = ByteBuffer.allocate(16 * 1024);
        LineFramer.Sink sink = new LineFramer.Sink() {
            @Override
            public boolean line(byte[] line) {
                return answer(ch, handler.onLine(id, line));
            }

            @Override
            public boolean overlong(long length) {
                return answer(ch, handler.onOverlong(id, length));
            }
        };
        try {
            while (!closed) {
                in.clear();
                int n = ch.read(in);
                if (n < 0) {
                    long partial = framer.partial();
                    if (partial > 0) {
                        log.log(Level.WARNING, "connection " + id + " closed in the middle of a line: " + partial
                                + " bytes without a newline were discarded (each message must end with \\n)");
                    }
                    return;
                }
                in.flip();
                if (!framer.feed(in, sink)) {
                    return;
                }
            }
        } catch (IOException e) {
            if (!closed) {
                log.log(Level.DEBUG, "connection " + id + " ended: " + e);
            }
        } finally {
            open.remove(ch);
            try {
                ch.close();
            } catch (IOException ignored) {
                // closing a socket we are done with
            }
            permits.release();
        }
    }

    private boolean answer(SocketChannel ch, String reply) {
        try {
            write(ch, reply);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void write(SocketChannel ch, String line) throws IOException {
        ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (server != null) {
            server.close();
        }
        for (SocketChannel ch : open) {
            ch.close();
        }
        if (lock != null) {
            // only the daemon holding the lock owns the socket file
            Files.deleteIfExists(socket);
            lock.release();
            lockFile.close();
            lock = null;
        }
    }
}
