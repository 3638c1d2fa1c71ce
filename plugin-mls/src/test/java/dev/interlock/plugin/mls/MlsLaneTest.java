package dev.interlock.plugin.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mls.MlsException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class MlsLaneTest {

    @TempDir
    Path dir;

    @Test
    void call_fromManyThreadsOnTwoLanes_neverOverlaps() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        try (MlsLane a = new MlsLane(ConcurrencyGuard.inJvm(scheduler), 10_000);
             MlsLane b = new MlsLane(ConcurrencyGuard.inJvm(scheduler), 10_000)) {
            List<CompletableFuture<Integer>> all = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                MlsLane lane = i % 2 == 0 ? a : b;
                all.add(lane.call("probe", () -> {
                    int now = inside.incrementAndGet();
                    maxInside.accumulateAndGet(now, Math::max);
                    Thread.onSpinWait();
                    inside.decrementAndGet();
                    return 1;
                }).toCompletableFuture());
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
        assertThat(maxInside.get()).as("operations inside bcmls at once, across lanes").isEqualTo(1);
    }

    @Test
    void call_checkedLibraryException_mappedToLibraryFailureAndTheLaneGoesOn() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        try (MlsLane lane = new MlsLane(ConcurrencyGuard.inJvm(scheduler), 10)) {
            long before = MlsLane.libraryFailures();
            CompletionStage<Object> failed = lane.call("decode something", () -> {
                throw new IOException("Attempt to read beyond end of buffer");
            });
            try {
                failed.toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                MlsException m = MlsException.unwrap(e);
                assertThat(m.reason()).isEqualTo(Reason.LIBRARY_FAILURE);
                assertThat(m).hasMessageContaining("decode something failed in the MLS library: IOException");
            }
            assertThat(MlsLane.libraryFailures()).isEqualTo(before + 1);
            assertThat(lane.call("next", () -> 7).toCompletableFuture().get(30, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    /**
     * The cipher suites are JVM singletons: clients of different groups share them. Eight clients in four groups
     * send at once from real threads; every message arrives and the library never fails.
     */
    @Test
    void clientsOfDifferentGroups_sendingFromRealThreads_shareTheLaneWithoutLibraryFailures() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        long failuresBefore = MlsLane.libraryFailures();
        try (MlsLane lane = new MlsLane(guard, 100_000)) {
            EmbeddedDeliveryService ds = new EmbeddedDeliveryService(scheduler, lane,
                    EmbeddedDeliveryService.Limits.defaults());
            List<MlsClient> clients = new ArrayList<>();
            List<byte[]> groups = new ArrayList<>();
            for (int p = 0; p < 4; p++) {
                MlsClient x = new MlsClient(opts("x" + p), lane, ds, guard);
                MlsClient y = new MlsClient(opts("y" + p), lane, ds, guard);
                clients.add(x);
                clients.add(y);
                for (MlsClient c : List.of(x, y)) {
                    get(c.login(Testbed.PASSWORD.clone()));
                }
                byte[] g = get(x.createGroup());
                get(x.addMember(g, y.identity()));
                get(y.sync());
                assertThat(get(y.groups())).hasSize(1);
                groups.add(g);
            }
            int perClient = 25;
            List<CompletableFuture<?>> sends = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                MlsClient c = clients.get(i);
                byte[] g = groups.get(i / 2);
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int k = 0; k < perClient; k++) {
                        CompletableFuture<?> f = c.send(g, ("m" + k).getBytes(StandardCharsets.UTF_8))
                                .toCompletableFuture();
                        synchronized (sends) {
                            sends.add(f);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            // Every send is in the log now: one sync per client reads all of it.
            for (MlsClient c : clients) {
                get(c.sync());
            }
            for (MlsClient c : clients) {
                assertThat(c.drainInbox()).as(c.identity()).hasSize(perClient)
                        .allSatisfy(r -> assertThat(r.sender()).isNotEqualTo(c.identity()));
                assertThat(c.stats().libraryRejections()).isZero();
                c.close();
            }
        }
        assertThat(MlsLane.libraryFailures()).isEqualTo(failuresBefore);
    }

    private MlsClient.Options opts(String name) {
        return MlsClient.Options.defaults(name, dir.resolve(name + ".vault")).withKdf(Testbed.TEST_KDF);
    }

    private static <T> T get(CompletionStage<T> s) throws Exception {
        return s.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
