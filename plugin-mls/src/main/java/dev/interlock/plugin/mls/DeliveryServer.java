package dev.interlock.plugin.mls;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.mls.MlsException.Reason;
import dev.interlock.plugin.mls.internal.DeliveryProtocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Serves a {@link DeliveryService} over HTTP (the JDK's {@code com.sun.net.httpserver}) so that clients in other
 * processes can use it; see {@link HttpDeliveryClient}. Request bodies over {@code maxBodyBytes} are refused with
 * 413 before they are read in full; the backend's guarantees (one order per group, one commit per epoch) hold for
 * every client because all of them go through the one backend.
 */
public final class DeliveryServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(DeliveryServer.class.getName());

    private final HttpServer server;
    private final int maxBodyBytes;
    private final DeliveryService backend;

    private DeliveryServer(HttpServer server, DeliveryService backend, int maxBodyBytes) {
        this.server = server;
        this.backend = backend;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Starts serving {@code backend} on {@code address} (port 0 picks a free port).
     *
     * @param maxBodyBytes the largest request body accepted
     */
    public static DeliveryServer start(InetSocketAddress address, DeliveryService backend, Scheduler scheduler,
                                       int maxBodyBytes) throws IOException {
        Objects.requireNonNull(backend, "backend");
        HttpServer server = HttpServer.create(address, 64);
        DeliveryServer ds = new DeliveryServer(server, backend, maxBodyBytes);
        server.createContext("/v1/", ds::handle);
        server.setExecutor(scheduler);
        server.start();
        return ds;
    }

    /** The port the server listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!"POST".equals(ex.getRequestMethod())) {
                reply(ex, 405, error(Reason.BAD_REQUEST, "use POST"));
                return;
            }
            String op = ex.getRequestURI().getPath().substring("/v1/".length());
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readNBytes(maxBodyBytes + 1);
            }
            if (body.length > maxBodyBytes) {
                reply(ex, 413, error(Reason.BAD_REQUEST, "request body exceeds the limit of " + maxBodyBytes
                        + " bytes"));
                return;
            }
            JsonNode json;
            try {
                json = DeliveryProtocol.JSON.readTree(body);
            } catch (IOException e) {
                reply(ex, 400, error(Reason.BAD_REQUEST, "request body is not JSON"));
                return;
            }
            if (json == null || !json.isObject()) {
                reply(ex, 400, error(Reason.BAD_REQUEST, "request body must be a JSON object"));
                return;
            }
            JsonNode result;
            try {
                result = DeliveryProtocol.dispatch(backend, op, json).toCompletableFuture().join();
            } catch (RuntimeException e) {
                MlsException m = MlsException.unwrap(e);
                if (m == null) {
                    LOG.log(System.Logger.Level.WARNING, "delivery request " + op + " failed", e);
                    m = new MlsException(Reason.DELIVERY_FAILURE, "internal error in " + op);
                }
                reply(ex, DeliveryProtocol.status(m.reason()), error(m.reason(), m.getMessage()));
                return;
            }
            reply(ex, 200, DeliveryProtocol.JSON.writeValueAsBytes(result));
        }
    }

    private static byte[] error(Reason reason, String message) {
        return DeliveryProtocol.JSON.createObjectNode().put("reason", reason.name()).put("message", message)
                .toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** Stops the server (requests in progress get up to one second). */
    @Override
    public void close() {
        server.stop(1);
    }
}
