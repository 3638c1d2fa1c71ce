package dev.interlock.plugin.mls.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.plugin.mls.DeliveryService;
import dev.interlock.plugin.mls.DeliveryService.Envelope;
import dev.interlock.plugin.mls.DeliveryService.PostResult;
import dev.interlock.plugin.mls.DeliveryService.PublishedKeyPackage;
import dev.interlock.plugin.mls.DeliveryService.WelcomeEnvelope;
import dev.interlock.plugin.mls.DeliveryService.WelcomeFor;
import dev.interlock.plugin.mls.MlsException;
import dev.interlock.plugin.mls.MlsException.Reason;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The delivery service's HTTP protocol: {@code POST /v1/<operation>} with a JSON body; binary fields are base64.
 * A success is {@code 200} with a JSON result; a failure is a 4xx/5xx with {@code {"reason": "...", "message": "..."}}
 * where reason is an {@link MlsException.Reason} name, so the client raises the same typed error the embedded service
 * would have.
 */
public final class DeliveryProtocol {

    public static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private DeliveryProtocol() {
    }

    public static String b64(byte[] b) {
        return B64.encodeToString(b);
    }

    public static byte[] bytes(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new MlsException(Reason.BAD_REQUEST, "field '" + field + "' is missing or not base64 text");
        }
        try {
            return B64D.decode(v.asText());
        } catch (IllegalArgumentException e) {
            throw new MlsException(Reason.BAD_REQUEST, "field '" + field + "' is not valid base64");
        }
    }

    public static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw new MlsException(Reason.BAD_REQUEST, "field '" + field + "' is missing or not text");
        }
        return v.asText();
    }

    public static long number(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber()) {
            throw new MlsException(Reason.BAD_REQUEST, "field '" + field + "' is missing or not an integer");
        }
        return v.asLong();
    }

    /** Server side: runs {@code op} with {@code body} against {@code ds}; completes with the JSON result. */
    public static CompletionStage<JsonNode> dispatch(DeliveryService ds, String op, JsonNode body) {
        try {
            return switch (op) {
                case "publishKeyPackages" -> {
                    List<PublishedKeyPackage> list = new ArrayList<>();
                    JsonNode arr = body.path("packages");
                    if (!arr.isArray()) {
                        throw new MlsException(Reason.BAD_REQUEST, "field 'packages' must be an array");
                    }
                    for (JsonNode p : arr) {
                        list.add(new PublishedKeyPackage(bytes(p, "data"), number(p, "notAfter"),
                                p.path("lastResort").asBoolean()));
                    }
                    yield ds.publishKeyPackages(text(body, "identity"), list).thenApply(v -> ok());
                }
                case "keyPackageCount" -> ds.keyPackageCount(text(body, "identity"))
                        .thenApply(n -> (JsonNode) ok().put("count", n));
                case "withdrawKeyPackages" -> {
                    List<String> refs = new ArrayList<>();
                    for (JsonNode r : body.path("refs")) {
                        refs.add(r.asText());
                    }
                    yield ds.withdrawKeyPackages(text(body, "identity"), refs).thenApply(v -> ok());
                }
                case "claimKeyPackage" -> ds.claimKeyPackage(text(body, "identity"))
                        .thenApply(b -> (JsonNode) ok().put("data", b64(b)));
                case "createGroup" -> ds.createGroup(bytes(body, "groupId"), bytes(body, "groupInfo"))
                        .thenApply(v -> ok());
                case "postCommit" -> {
                    List<WelcomeFor> welcomes = new ArrayList<>();
                    for (JsonNode w : body.path("welcomes")) {
                        welcomes.add(new WelcomeFor(text(w, "identity"), bytes(w, "data")));
                    }
                    yield ds.postCommit(bytes(body, "groupId"), number(body, "epoch"), bytes(body, "commit"),
                            bytes(body, "groupInfo"), welcomes).thenApply(DeliveryProtocol::result);
                }
                case "postApplication" -> ds.postApplication(bytes(body, "groupId"), number(body, "epoch"),
                        bytes(body, "data")).thenApply(DeliveryProtocol::result);
                case "fetch" -> ds.fetch(bytes(body, "groupId"), number(body, "after"), (int) number(body, "max"))
                        .thenApply(list -> {
                            ObjectNode out = ok();
                            ArrayNode arr = out.putArray("entries");
                            for (Envelope e : list) {
                                arr.addObject().put("seq", e.seq()).put("kind", e.kind().name())
                                        .put("epoch", e.epoch()).put("data", b64(e.message()));
                            }
                            return out;
                        });
                case "groupInfo" -> ds.groupInfo(bytes(body, "groupId"))
                        .thenApply(b -> (JsonNode) ok().put("data", b64(b)));
                case "takeWelcomes" -> ds.takeWelcomes(text(body, "identity")).thenApply(list -> {
                    ObjectNode out = ok();
                    ArrayNode arr = out.putArray("welcomes");
                    for (WelcomeEnvelope w : list) {
                        arr.addObject().put("groupId", b64(w.groupId())).put("data", b64(w.welcome()))
                                .put("after", w.afterSeq());
                    }
                    return out;
                });
                default -> throw new MlsException(Reason.BAD_REQUEST, "unknown operation '" + op + "'");
            };
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private static ObjectNode ok() {
        return JSON.createObjectNode();
    }

    private static JsonNode result(PostResult r) {
        return ok().put("accepted", r.accepted()).put("seq", r.seq()).put("currentEpoch", r.currentEpoch());
    }

    /** Client side: reads a post result. */
    public static PostResult postResult(JsonNode n) {
        return new PostResult(n.path("accepted").asBoolean(), number(n, "seq"), number(n, "currentEpoch"));
    }

    /** Client side: reads fetched entries. */
    public static List<Envelope> envelopes(JsonNode n) {
        List<Envelope> out = new ArrayList<>();
        for (JsonNode e : n.path("entries")) {
            DeliveryService.Kind kind;
            try {
                kind = DeliveryService.Kind.valueOf(text(e, "kind"));
            } catch (IllegalArgumentException x) {
                throw new MlsException(Reason.DELIVERY_FAILURE, "unknown log entry kind " + e.path("kind"));
            }
            out.add(new Envelope(number(e, "seq"), kind, number(e, "epoch"), bytes(e, "data")));
        }
        return out;
    }

    /** Client side: reads Welcomes. */
    public static List<WelcomeEnvelope> welcomes(JsonNode n) {
        List<WelcomeEnvelope> out = new ArrayList<>();
        for (JsonNode w : n.path("welcomes")) {
            out.add(new WelcomeEnvelope(bytes(w, "groupId"), bytes(w, "data"), number(w, "after")));
        }
        return out;
    }

    /** The HTTP status for a failure reason. */
    public static int status(Reason reason) {
        return switch (reason) {
            case BAD_REQUEST, MALFORMED_MESSAGE, OVERSIZED_MESSAGE, FOREIGN_CREDENTIAL, INVALID_KEY_PACKAGE -> 400;
            case NO_KEY_PACKAGE, UNKNOWN_GROUP -> 404;
            default -> 500;
        };
    }
}
