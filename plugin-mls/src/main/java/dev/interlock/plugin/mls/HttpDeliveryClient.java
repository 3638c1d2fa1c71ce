package dev.interlock.plugin.mls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.mls.MlsException.Reason;
import dev.interlock.plugin.mls.internal.DeliveryProtocol;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.interlock.plugin.mls.internal.DeliveryProtocol.b64;

/**
 * A {@link DeliveryService} reached over HTTP ({@code java.net.http}) at a {@link DeliveryServer}. Responses larger
 * than {@code maxBodyBytes} are refused. {@link #subscribe} polls every {@code pollInterval} on the scheduler (the
 * server does not push). {@link #close} releases the HTTP client (its connections and selector thread).
 */
public final class HttpDeliveryClient implements DeliveryService, AutoCloseable {

    private final URI base;
    private final Scheduler scheduler;
    private final Duration pollInterval;
    private final int maxBodyBytes;
    private final HttpClient http;

    public HttpDeliveryClient(URI base, Scheduler scheduler, Duration pollInterval, int maxBodyBytes) {
        this.base = Objects.requireNonNull(base, "base");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.pollInterval = Objects.requireNonNull(pollInterval, "pollInterval");
        this.maxBodyBytes = maxBodyBytes;
        this.http = HttpClient.newBuilder().executor(scheduler).connectTimeout(Duration.ofSeconds(10)).build();
    }

    private CompletionStage<JsonNode> call(String op, ObjectNode body) {
        HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/" + op))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream())
                .handle((resp, e) -> {
                    if (e != null) {
                        throw new MlsException(Reason.DELIVERY_FAILURE, "delivery service " + base + " unreachable ("
                                + op + "): " + e.getClass().getSimpleName(), e);
                    }
                    byte[] bytes;
                    try (InputStream in = resp.body()) {
                        bytes = in.readNBytes(maxBodyBytes + 1);
                    } catch (IOException io) {
                        throw new MlsException(Reason.DELIVERY_FAILURE, "reading the answer to " + op + " failed", io);
                    }
                    if (bytes.length > maxBodyBytes) {
                        throw new MlsException(Reason.DELIVERY_FAILURE, "answer to " + op + " exceeds "
                                + maxBodyBytes + " bytes");
                    }
                    JsonNode json;
                    try {
                        json = DeliveryProtocol.JSON.readTree(bytes);
                    } catch (IOException io) {
                        throw new MlsException(Reason.DELIVERY_FAILURE, "answer to " + op + " is not JSON (HTTP "
                                + resp.statusCode() + ")");
                    }
                    if (resp.statusCode() != 200) {
                        Reason reason;
                        try {
                            reason = Reason.valueOf(json.path("reason").asText());
                        } catch (IllegalArgumentException x) {
                            reason = Reason.DELIVERY_FAILURE;
                        }
                        String msg = json.path("message").asText("HTTP " + resp.statusCode());
                        String prefix = reason.name() + ": ";
                        throw new MlsException(reason, msg.startsWith(prefix) ? msg.substring(prefix.length()) : msg);
                    }
                    return json;
                });
    }

    private static ObjectNode body() {
        return DeliveryProtocol.JSON.createObjectNode();
    }

    @Override
    public CompletionStage<Void> publishKeyPackages(String identity, List<PublishedKeyPackage> packages) {
        ObjectNode b = body().put("identity", identity);
        ArrayNode arr = b.putArray("packages");
        for (PublishedKeyPackage p : packages) {
            arr.addObject().put("data", b64(p.keyPackage())).put("notAfter", p.notAfterMillis())
                    .put("lastResort", p.lastResort());
        }
        return call("publishKeyPackages", b).thenApply(j -> null);
    }

    @Override
    public CompletionStage<Integer> keyPackageCount(String identity) {
        return call("keyPackageCount", body().put("identity", identity)).thenApply(j -> j.path("count").asInt());
    }

    @Override
    public CompletionStage<Void> withdrawKeyPackages(String identity, List<String> refs) {
        ObjectNode b = body().put("identity", identity);
        ArrayNode arr = b.putArray("refs");
        refs.forEach(arr::add);
        return call("withdrawKeyPackages", b).thenApply(j -> null);
    }

    @Override
    public CompletionStage<byte[]> claimKeyPackage(String identity) {
        return call("claimKeyPackage", body().put("identity", identity))
                .thenApply(j -> DeliveryProtocol.bytes(j, "data"));
    }

    @Override
    public CompletionStage<Void> createGroup(byte[] groupId, byte[] groupInfo) {
        return call("createGroup", body().put("groupId", b64(groupId)).put("groupInfo", b64(groupInfo)))
                .thenApply(j -> null);
    }

    @Override
    public CompletionStage<PostResult> postCommit(byte[] groupId, long epoch, byte[] commit, byte[] nextGroupInfo,
                                                  List<WelcomeFor> welcomes) {
        ObjectNode b = body().put("groupId", b64(groupId)).put("epoch", epoch).put("commit", b64(commit))
                .put("groupInfo", b64(nextGroupInfo));
        ArrayNode arr = b.putArray("welcomes");
        for (WelcomeFor w : welcomes) {
            arr.addObject().put("identity", w.identity()).put("data", b64(w.welcome()));
        }
        return call("postCommit", b).thenApply(DeliveryProtocol::postResult);
    }

    @Override
    public CompletionStage<PostResult> postApplication(byte[] groupId, long epoch, byte[] message) {
        return call("postApplication", body().put("groupId", b64(groupId)).put("epoch", epoch)
                .put("data", b64(message))).thenApply(DeliveryProtocol::postResult);
    }

    @Override
    public CompletionStage<List<Envelope>> fetch(byte[] groupId, long afterSeq, int max) {
        return call("fetch", body().put("groupId", b64(groupId)).put("after", afterSeq).put("max", max))
                .thenApply(DeliveryProtocol::envelopes);
    }

    @Override
    public CompletionStage<byte[]> groupInfo(byte[] groupId) {
        return call("groupInfo", body().put("groupId", b64(groupId)))
                .thenApply(j -> DeliveryProtocol.bytes(j, "data"));
    }

    @Override
    public CompletionStage<List<WelcomeEnvelope>> takeWelcomes(String identity) {
        return call("takeWelcomes", body().put("identity", identity)).thenApply(DeliveryProtocol::welcomes);
    }

    @Override
    public AutoCloseable subscribe(String identity, Runnable onNews) {
        AtomicBoolean open = new AtomicBoolean(true);
        Cancellable[] timer = new Cancellable[1];
        Runnable[] tick = new Runnable[1];
        tick[0] = () -> {
            if (!open.get()) {
                return;
            }
            try {
                onNews.run();
            } finally {
                synchronized (timer) {
                    if (open.get()) {
                        timer[0] = scheduler.schedule(tick[0], pollInterval);
                    }
                }
            }
        };
        synchronized (timer) {
            timer[0] = scheduler.schedule(tick[0], pollInterval);
        }
        return () -> {
            open.set(false);
            synchronized (timer) {
                timer[0].cancel();
            }
        };
    }

    /**
     * Releases the HTTP client: requests in flight fail with {@link Reason#DELIVERY_FAILURE}, and the client's
     * connections and selector thread end (waited for up to two seconds). Subscriptions should be closed first (their
     * next poll would fail). Idempotent.
     */
    @Override
    public void close() {
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
