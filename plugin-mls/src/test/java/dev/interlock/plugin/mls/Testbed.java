package dev.interlock.plugin.mls;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.testkit.DeterministicScheduler;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * One deterministic world: a seeded scheduler, the guards over it, one MLS lane, one embedded delivery service, and
 * clients whose vaults live in {@code dir}. Argon2id runs with test-sized costs.
 */
final class Testbed implements AutoCloseable {

    static final char[] PASSWORD = "correct horse battery staple".toCharArray();
    static final Vault.KdfParams TEST_KDF = new Vault.KdfParams(256, 1, 1);

    final DeterministicScheduler scheduler;
    final ConcurrencyGuard guard;
    final MlsLane lane;
    final EmbeddedDeliveryService ds;
    final Path dir;
    private final List<MlsClient> clients = new ArrayList<>();

    Testbed(long seed, Path dir) {
        this(new DeterministicScheduler(seed), dir);
    }

    Testbed(DeterministicScheduler scheduler, Path dir) {
        this.scheduler = scheduler;
        this.guard = ConcurrencyGuard.inJvm(scheduler);
        this.lane = new MlsLane(guard, 100_000);
        this.ds = new EmbeddedDeliveryService(scheduler, lane, EmbeddedDeliveryService.Limits.defaults());
        this.dir = dir;
    }

    MlsClient.Options options(String name) {
        return MlsClient.Options.defaults(name, dir.resolve(name + ".vault")).withKdf(TEST_KDF)
                .withKeyPackages(3, 2, Duration.ofDays(7));
    }

    MlsClient client(String name) {
        return client(options(name), ds);
    }

    MlsClient client(MlsClient.Options options, DeliveryService delivery) {
        MlsClient c = new MlsClient(options, lane, delivery, guard);
        clients.add(c);
        return c;
    }

    MlsClient loggedIn(String name) {
        MlsClient c = client(name);
        await(c.login(PASSWORD));
        return c;
    }

    /** Runs the scheduler until {@code stage} completes; returns its value or throws its failure (unwrapped). */
    <T> T await(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (!scheduler.runUntil(f::isDone)) {
            throw new AssertionError("scheduler went idle before the operation completed (seed "
                    + scheduler.seed() + ")");
        }
        try {
            return f.join();
        } catch (CompletionException e) {
            MlsException m = MlsException.unwrap(e);
            if (m != null) {
                throw m;
            }
            throw e;
        }
    }

    /** The failure of {@code stage}, which must fail. */
    MlsException failure(CompletionStage<?> stage) {
        try {
            await(stage);
        } catch (MlsException e) {
            return e;
        }
        throw new AssertionError("expected the operation to fail");
    }

    /** Number of seeds for race tests: system property {@code mls.seeds}, else {@code full}. */
    static int seeds(int full) {
        return Integer.getInteger("mls.seeds", full);
    }

    @Override
    public void close() {
        clients.forEach(MlsClient::close);
        lane.close();
        scheduler.runUntilIdle();
    }
}
