package dev.interlock.benchmarks.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mls.DeliveryService.PublishedKeyPackage;
import dev.interlock.plugin.mls.EmbeddedDeliveryService;
import dev.interlock.plugin.mls.MlsClient;
import dev.interlock.plugin.mls.MlsLane;
import dev.interlock.plugin.mls.Vault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * plugin-mls wired as production wires it, in one JVM: {@link Scheduler#virtualThreads()}, the in-JVM guards, one
 * {@link MlsLane}, one {@link EmbeddedDeliveryService}, and logged-in {@link MlsClient}s with their default options
 * (vaults in a temporary directory). Only two things differ from the defaults, neither on a measured path: Argon2id
 * runs with small costs (login is never measured) and the delivery service holds up to 1,000,000 groups and 16 MiB
 * per group log (so a 1-second iteration of group creations cannot hit the default limit of 10,000 groups).
 *
 * <p>Members that never run a client ("phantoms": a member whose leaf is in the tree but who never reads) get their
 * key packages from {@link Bcmls} and published through {@link EmbeddedDeliveryService#publishKeyPackages}, which
 * verifies them in the lane like any other.
 */
final class MlsWorld implements AutoCloseable {

    static final char[] PASSWORD = "benchmark password".toCharArray();
    /** How long one awaited operation may take before the benchmark fails (far above any real figure). */
    static final Duration WAIT = Duration.ofSeconds(60);

    final Scheduler scheduler = Scheduler.virtualThreads();
    final ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
    final MlsLane lane = new MlsLane(guard, 100_000);
    final EmbeddedDeliveryService ds = new EmbeddedDeliveryService(scheduler, lane,
            new EmbeddedDeliveryService.Limits(1 << 20, 1_000, 256, 1_000_000, 10_000, 16L << 20, 1_000));
    private final Path dir;
    private final List<MlsClient> clients = new ArrayList<>();

    MlsWorld() {
        try {
            dir = Files.createTempDirectory("interlock-mls-bench");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new client for {@code identity}, logged in (vault created, key packages published, subscribed). */
    MlsClient login(String identity) {
        MlsClient c = new MlsClient(MlsClient.Options.defaults(identity, dir.resolve(identity + ".vault"))
                .withKdf(new Vault.KdfParams(1024, 1, 1)), lane, ds, guard);
        clients.add(c);
        await(c.login(PASSWORD));
        return c;
    }

    /** Publishes one fresh key package for the phantom member {@code member}. */
    void publishKeyPackage(Bcmls.Member member) {
        byte[] kp = MlsLane.runExclusive("phantom key package", member::keyPackage);
        await(ds.publishKeyPackages(member.identity(), List.of(new PublishedKeyPackage(kp,
                scheduler.clock().millis() + Duration.ofDays(1).toMillis(), false))));
    }

    /** Drops the Welcomes waiting for a phantom (nobody joins with them; the service keeps at most 256). */
    void dropWelcomes(String identity) {
        await(ds.takeWelcomes(identity));
    }

    /** The stage's value; its failure as an exception; an error if it takes longer than {@link #WAIT}. */
    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("MLS operation failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("MLS operation did not complete within " + WAIT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        clients.forEach(MlsClient::close);
        lane.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
