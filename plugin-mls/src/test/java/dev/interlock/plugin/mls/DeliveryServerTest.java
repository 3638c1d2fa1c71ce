package dev.interlock.plugin.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mls.MlsException.Reason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The delivery service over real HTTP: clients chat through it, and its limits and errors arrive typed. */
class DeliveryServerTest {

    @TempDir
    Path dir;

    private final Scheduler scheduler = Scheduler.virtualThreads();
    private final ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
    private MlsLane lane;
    private DeliveryServer server;
    private URI base;

    @BeforeEach
    void start() throws Exception {
        lane = new MlsLane(guard, 1_000);
        server = DeliveryServer.start(new InetSocketAddress("127.0.0.1", 0),
                new EmbeddedDeliveryService(scheduler, lane, EmbeddedDeliveryService.Limits.defaults()), scheduler,
                64 * 1024);
        base = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stop() {
        server.close();
        lane.close();
    }

    private HttpDeliveryClient http() {
        return new HttpDeliveryClient(base, scheduler, Duration.ofMillis(20), 8 << 20);
    }

    private static <T> T get(CompletionStage<T> s) throws Exception {
        try {
            return s.toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            MlsException m = MlsException.unwrap(e);
            throw m != null ? m : e;
        }
    }

    @Test
    void twoClientsOverHttp_chat_bothDirections() throws Exception {
        try (MlsClient alice = new MlsClient(opts("alice"), lane, http(), guard);
             MlsClient bob = new MlsClient(opts("bob"), lane, http(), guard)) {
            CompletableFuture<String> toBob = new CompletableFuture<>();
            CompletableFuture<String> toAlice = new CompletableFuture<>();
            bob.onMessage(r -> toBob.complete(r.sender() + ": " + r.text()));
            alice.onMessage(r -> toAlice.complete(r.sender() + ": " + r.text()));
            get(alice.login(Testbed.PASSWORD.clone()));
            get(bob.login(Testbed.PASSWORD.clone()));
            byte[] g = get(alice.createGroup());
            get(alice.addMember(g, "bob"));
            get(alice.send(g, "over http".getBytes(StandardCharsets.UTF_8)));
            assertThat(toBob.get(60, TimeUnit.SECONDS)).isEqualTo("alice: over http");
            get(bob.send(g, "and back".getBytes(StandardCharsets.UTF_8)));
            assertThat(toAlice.get(60, TimeUnit.SECONDS)).isEqualTo("bob: and back");
        }
    }

    @Test
    void postCommit_staleEpochOverHttp_answersConflictWithTheCurrentEpoch() throws Exception {
        HttpDeliveryClient ds = http();
        byte[] g = {9, 9, 9};
        get(ds.createGroup(g, new byte[]{1}));
        assertThat(get(ds.postCommit(g, 0, new byte[]{1}, new byte[]{2}, List.of())).accepted()).isTrue();
        DeliveryService.PostResult lost = get(ds.postCommit(g, 0, new byte[]{3}, new byte[]{4}, List.of()));
        assertThat(lost.accepted()).isFalse();
        assertThat(lost.currentEpoch()).isEqualTo(1);
        assertThat(get(ds.fetch(g, 0, 10))).hasSize(1);
    }

    @Test
    void postCommit_sixteenConcurrentCommitsForOneEpochOverHttp_exactlyOneAccepted() throws Exception {
        byte[] g = {7, 7};
        get(http().createGroup(g, new byte[]{1}));
        List<CompletableFuture<DeliveryService.PostResult>> posts = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] commit = {(byte) i};
            posts.add(http().postCommit(g, 0, commit, new byte[]{2}, List.of()).toCompletableFuture());
        }
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        assertThat(posts).filteredOn(f -> f.join().accepted()).hasSize(1);
        assertThat(posts).filteredOn(f -> !f.join().accepted())
                .allSatisfy(f -> assertThat(f.join().currentEpoch()).isEqualTo(1));
        assertThat(get(http().fetch(g, 0, 100))).hasSize(1);
    }

    @Test
    void errors_overHttp_arriveTyped() {
        HttpDeliveryClient ds = http();
        assertThatThrownBy(() -> get(ds.claimKeyPackage("nobody")))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.NO_KEY_PACKAGE))
                .hasMessageContaining("no key package for 'nobody'");
        assertThatThrownBy(() -> get(ds.fetch(new byte[]{1}, 0, 10)))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_GROUP));
    }

    @Test
    void request_overTheBodyLimit_refusedWith413() throws Exception {
        HttpResponse<String> resp = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/v1/fetch"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 * 1024 + 1])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(resp.statusCode()).isEqualTo(413);
        assertThat(resp.body()).contains("exceeds the limit of 65536 bytes");
        HttpResponse<String> junk = HttpClient.newHttpClient().send(HttpRequest.newBuilder(base.resolve("/v1/fetch"))
                .POST(HttpRequest.BodyPublishers.ofString("{not json")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(junk.statusCode()).isEqualTo(400);
    }

    private MlsClient.Options opts(String name) {
        return MlsClient.Options.defaults(name, dir.resolve(name + ".vault")).withKdf(Testbed.TEST_KDF);
    }
}
