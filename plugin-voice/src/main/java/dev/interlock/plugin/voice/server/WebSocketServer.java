package dev.interlock.plugin.voice.server;

import dev.interlock.api.exec.Scheduler;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small RFC 6455 WebSocket server over {@link ServerSocket}: the opening handshake (§4.2), masked client frames,
 * fragmented text messages, ping/pong and the closing handshake (§5.5.1). Enough to be a realistic peer for the JDK
 * client in tests and demos; not a general-purpose web server (no extensions, no subprotocols, no TLS).
 *
 * <h2>Limits (each violation closes that connection only, with the RFC's status code)</h2>
 * <ul>
 *   <li>Request head: {@value #MAX_REQUEST_HEAD_BYTES} bytes (400).
 *   <li>One message (all fragments): {@code maxMessageBytes} (1009).
 *   <li>Connections at once: {@code maxConnections} (503 on the handshake).
 *   <li>Invalid UTF-8 in a text message (1007); unmasked client frame, reserved bits, bad opcode (1002).
 * </ul>
 *
 * <h2>Threads</h2>
 * The accept loop and each connection's reader are tasks on the given scheduler and block on socket I/O: use a
 * scheduler with virtual threads ({@link Scheduler#virtualThreads()}), not a deterministic one. Handler methods for
 * one connection are called from its reader task, one at a time.
 */
public final class WebSocketServer implements AutoCloseable {

    /** Largest accepted HTTP request head, in bytes. */
    public static final int MAX_REQUEST_HEAD_BYTES = 16 * 1024;
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final System.Logger LOG = System.getLogger(WebSocketServer.class.getName());

    /** What the server does with connections. Calls for one connection come one at a time. */
    public interface Handler {
        /** Decides whether the upgrade request may proceed, from its {@code Authorization} header (or null). */
        default boolean authorize(String authorization) {
            return true;
        }

        void onOpen(Connection connection);

        void onText(Connection connection, String text);

        /** The connection is over (closing handshake done, or broken); called once. */
        void onClose(Connection connection, int code, String reason);
    }

    private final Scheduler scheduler;
    private final Handler handler;
    private final int maxMessageBytes;
    private final int maxConnections;
    private final ServerSocket serverSocket;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    private WebSocketServer(Scheduler scheduler, Handler handler, ServerSocket serverSocket, int maxMessageBytes,
                            int maxConnections) {
        this.scheduler = scheduler;
        this.handler = handler;
        this.serverSocket = serverSocket;
        this.maxMessageBytes = maxMessageBytes;
        this.maxConnections = maxConnections;
    }

    /**
     * Binds {@code address:port} ({@code port} 0 picks a free one) and starts accepting.
     *
     * @throws IOException if the port cannot be bound
     */
    public static WebSocketServer start(Scheduler scheduler, InetAddress address, int port, Handler handler,
                                        int maxMessageBytes, int maxConnections) throws IOException {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(handler, "handler");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in 0..65535, got " + port);
        }
        if (maxMessageBytes < 125 || maxConnections < 1) {
            throw new IllegalArgumentException("maxMessageBytes (" + maxMessageBytes + ", >= 125) and maxConnections ("
                    + maxConnections + ", >= 1) out of range");
        }
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(new InetSocketAddress(address, port), 128);
        WebSocketServer server = new WebSocketServer(scheduler, handler, ss, maxMessageBytes, maxConnections);
        scheduler.execute(server::acceptLoop);
        return server;
    }

    /** The bound port. */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** Connections open right now (a snapshot). */
    public Set<Connection> connections() {
        return Set.copyOf(connections);
    }

    /** Stops accepting and drops every connection. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing the server socket", e);
        }
        connections.forEach(Connection::drop);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "accept failed; server stopping", e);
                }
                return;
            }
            Connection c = new Connection(ids.incrementAndGet(), socket);
            scheduler.execute(c::run);
        }
    }

    /** One client connection. */
    public final class Connection {
        private final long id;
        private final Socket socket;
        private final Object writeLock = new Object();
        private OutputStream out;
        private volatile boolean closeSent;
        private volatile boolean dropped;
        private volatile int fragmentChars;
        private boolean closeReported;
        private volatile boolean opened;
        private final AtomicLong pings = new AtomicLong();

        private Connection(long id, Socket socket) {
            this.id = id;
            this.socket = socket;
        }

        /** A number unique within this server, in accept order. */
        public long id() {
            return id;
        }

        /** Ping frames received on this connection so far (each answered with a Pong). */
        public long pingsReceived() {
            return pings.get();
        }

        /**
         * Splits every later text message into frames of at most {@code chars} characters (0: one frame), so that the
         * client must reassemble them.
         */
        public void fragmentOutgoing(int chars) {
            this.fragmentChars = Math.max(0, chars);
        }

        /** Sends a text message; returns {@code false} if the connection is closing or gone. */
        public boolean sendText(String text) {
            if (closeSent || dropped) {
                return false;
            }
            int step = fragmentChars;
            try {
                synchronized (writeLock) {
                    if (step <= 0 || text.length() <= step) {
                        writeFrame(0x1, true, text.getBytes(StandardCharsets.UTF_8));
                    } else {
                        for (int i = 0; i < text.length(); ) {
                            int end = Math.min(text.length(), i + step);
                            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                                end--;
                            }
                            writeFrame(i == 0 ? 0x1 : 0x0, end == text.length(),
                                    text.substring(i, end).getBytes(StandardCharsets.UTF_8));
                            i = end;
                        }
                    }
                    out.flush();
                }
                return true;
            } catch (IOException e) {
                drop();
                return false;
            }
        }

        /**
         * Starts the closing handshake: sends a Close frame and keeps reading (and handing messages to the handler)
         * until the client's Close frame, then closes the socket. Messages the client sent before it saw the close
         * are not lost.
         */
        public void close(int code, String reason) {
            if (closeSent || dropped) {
                return;
            }
            closeSent = true;
            try {
                synchronized (writeLock) {
                    writeFrame(0x8, true, closePayload(code, reason));
                    out.flush();
                }
                socket.setSoTimeout(10_000);
            } catch (IOException e) {
                drop();
            }
        }

        /** Drops the connection at once without a closing handshake (data in flight may be lost). */
        public void drop() {
            dropped = true;
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "closing a socket", e);
            }
        }

        private void run() {
            try (socket) {
                socket.setTcpNoDelay(true);
                InputStream rawIn = new BufferedInputStream(socket.getInputStream());
                out = new BufferedOutputStream(socket.getOutputStream());
                if (!handshake(rawIn)) {
                    return;
                }
                connections.add(this);
                handler.onOpen(this);
                readLoop(new DataInputStream(rawIn));
            } catch (IOException e) {
                reportClose(1006, dropped ? "dropped" : "connection failed: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection " + id + ": handler failed", e);
                reportClose(1011, "server error");
            } finally {
                connections.remove(this);
                reportClose(1006, "connection ended");
            }
        }

        private void reportClose(int code, String reason) {
            synchronized (this) {
                if (closeReported || !opened) {
                    return;
                }
                closeReported = true;
            }
            try {
                handler.onClose(this, code, reason);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "connection " + id + ": onClose failed", e);
            }
        }

        private boolean handshake(InputStream in) throws IOException {
            String head = readHead(in);
            if (head == null) {
                respond(400, "request head too long or incomplete (limit " + MAX_REQUEST_HEAD_BYTES + " bytes)");
                return false;
            }
            String[] lines = head.split("\r\n");
            String[] requestLine = lines[0].split(" ");
            Map<String, String> headers = new HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            String key = headers.get("sec-websocket-key");
            if (requestLine.length != 3 || !requestLine[0].equals("GET")
                    || !headers.getOrDefault("upgrade", "").toLowerCase(Locale.ROOT).contains("websocket")
                    || !headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT).contains("upgrade")
                    || key == null || decodedLength(key) != 16) {
                respond(400, "not a WebSocket upgrade request: need GET with Upgrade: websocket, Connection: Upgrade"
                        + " and a Sec-WebSocket-Key of 16 base64-encoded bytes");
                return false;
            }
            if (!"13".equals(headers.get("sec-websocket-version"))) {
                respond(426, "unsupported Sec-WebSocket-Version; this server speaks 13 (RFC 6455)");
                return false;
            }
            if (!handler.authorize(headers.get("authorization"))) {
                respond(401, "missing or invalid Authorization");
                return false;
            }
            if (connections.size() >= maxConnections) {
                respond(503, "too many connections (limit " + maxConnections + ")");
                return false;
            }
            String accept = Base64.getEncoder().encodeToString(sha1((key + GUID).getBytes(StandardCharsets.US_ASCII)));
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            opened = true;
            return true;
        }

        private void respond(int status, String message) throws IOException {
            byte[] body = message.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 " + status + " " + (status == 101 ? "Switching Protocols" : "Error")
                    + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        }

        private void readLoop(DataInputStream in) throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            boolean inText = false;
            while (true) {
                int b0;
                try {
                    b0 = in.readUnsignedByte();
                } catch (EOFException e) {
                    reportClose(1006, "client went away without a Close frame");
                    return;
                }
                int b1 = in.readUnsignedByte();
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0F;
                if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0) {
                    protocolClose(1002, (b1 & 0x80) == 0 ? "client frames must be masked" : "reserved bits set");
                    return;
                }
                long len = b1 & 0x7F;
                if (len == 126) {
                    len = in.readUnsignedShort();
                } else if (len == 127) {
                    len = in.readLong();
                }
                boolean control = opcode >= 0x8;
                if (len < 0 || len > maxMessageBytes || (control && (len > 125 || !fin))) {
                    protocolClose(control ? 1002 : 1009, "frame of " + len + " bytes exceeds the limit of "
                            + (control ? 125 : maxMessageBytes));
                    return;
                }
                byte[] mask = new byte[4];
                in.readFully(mask);
                byte[] payload = new byte[(int) len];
                in.readFully(payload);
                for (int i = 0; i < payload.length; i++) {
                    payload[i] ^= mask[i & 3];
                }
                switch (opcode) {
                    case 0x1, 0x0 -> {
                        if ((opcode == 0x1) == inText) {
                            protocolClose(1002, opcode == 0x1 ? "new text message inside a fragmented one"
                                    : "continuation frame without a message");
                            return;
                        }
                        if (message.size() + payload.length > maxMessageBytes) {
                            protocolClose(1009, "message exceeds the limit of " + maxMessageBytes + " bytes");
                            return;
                        }
                        message.write(payload);
                        inText = !fin;
                        if (fin) {
                            String text;
                            try {
                                text = StandardCharsets.UTF_8.newDecoder()
                                        .onMalformedInput(CodingErrorAction.REPORT)
                                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                                        .decode(ByteBuffer.wrap(message.toByteArray())).toString();
                            } catch (CharacterCodingException e) {
                                protocolClose(1007, "text message is not valid UTF-8");
                                return;
                            }
                            message.reset();
                            handler.onText(this, text);
                        }
                    }
                    case 0x2 -> {
                        protocolClose(1003, "binary messages are not accepted; events are JSON text");
                        return;
                    }
                    case 0x8 -> {
                        int code = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                        String reason = payload.length > 2
                                ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                        if (!closeSent) {
                            closeSent = true;
                            synchronized (writeLock) {
                                writeFrame(0x8, true, closePayload(code == 1005 ? 1000 : code, ""));
                                out.flush();
                            }
                        }
                        reportClose(code, reason);
                        return;
                    }
                    case 0x9 -> {
                        pings.incrementAndGet();
                        synchronized (writeLock) {
                            writeFrame(0xA, true, payload);
                            out.flush();
                        }
                    }
                    case 0xA -> { }
                    default -> {
                        protocolClose(1002, "unknown opcode " + opcode);
                        return;
                    }
                }
            }
        }

        private void protocolClose(int code, String reason) throws IOException {
            LOG.log(System.Logger.Level.INFO, () -> "connection " + id + ": closing with " + code + ": " + reason);
            if (!closeSent) {
                closeSent = true;
                synchronized (writeLock) {
                    writeFrame(0x8, true, closePayload(code, reason));
                    out.flush();
                }
            }
            reportClose(code, reason);
        }

        // Caller holds writeLock.
        private void writeFrame(int opcode, boolean fin, byte[] payload) throws IOException {
            out.write((fin ? 0x80 : 0) | opcode);
            if (payload.length < 126) {
                out.write(payload.length);
            } else if (payload.length <= 0xFFFF) {
                out.write(126);
                out.write(payload.length >>> 8);
                out.write(payload.length & 0xFF);
            } else {
                out.write(127);
                long n = payload.length;
                for (int shift = 56; shift >= 0; shift -= 8) {
                    out.write((int) (n >>> shift) & 0xFF);
                }
            }
            out.write(payload);
        }

        @Override
        public String toString() {
            return "Connection[" + id + "]";
        }
    }

    private static byte[] closePayload(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(r.length, 123);
        byte[] p = new byte[2 + n];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, n);
        return p;
    }

    /** Reads up to and including CRLFCRLF; {@code null} if the head is too long or the stream ends first. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (head.size() < MAX_REQUEST_HEAD_BYTES) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            state = switch (state) {
                case 0, 2 -> b == '\r' ? state + 1 : 0;
                case 1 -> b == '\n' ? 2 : (b == '\r' ? 1 : 0);
                case 3 -> b == '\n' ? 4 : (b == '\r' ? 1 : 0);
                default -> 0;
            };
            if (state == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    private static int decodedLength(String key) {
        try {
            return Base64.getDecoder().decode(key).length;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private static byte[] sha1(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1, which RFC 6455 requires", e);
        }
    }
}
