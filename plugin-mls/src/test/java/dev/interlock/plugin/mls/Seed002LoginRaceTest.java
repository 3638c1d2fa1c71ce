package dev.interlock.plugin.mls;

import dev.interlock.testkit.RaceHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 002: at login, the vault export, the key-package refresh and a message send were fired at once against a
 * non-thread-safe MLS state machine ("recursive use of an object"). Here the same four flows are fired on every
 * schedule the deterministic scheduler explores, while another member is active: none may see a library exception,
 * all must complete, and the state must stay consistent.
 */
class Seed002LoginRaceTest {

    @TempDir
    Path dir;

    @Test
    void loginExportRefreshSend_firedConcurrently_neverOverlapAndAllComplete() {
        RaceHarness.explore("seed002-login-export-refresh-send", 1, Testbed.seeds(1_000), s -> {
            Path world = Files.createDirectories(dir.resolve("seed-" + s.seed()));
            try (Testbed t = new Testbed(s, world)) {
                long libraryFailuresBefore = MlsLane.libraryFailures();
                // A previous session of alice: identity, a group with bob, a vault on disk.
                MlsClient before = t.loggedIn("alice");
                MlsClient bob = t.loggedIn("bob");
                byte[] g = t.await(before.createGroup());
                t.await(before.addMember(g, "bob"));
                t.await(before.exportToVault());
                before.close();
                t.scheduler.runUntilIdle();

                // The restart: login, then (from the login flow, not awaited) export, refresh and send.
                MlsClient alice = t.client("alice");
                List<CompletableFuture<?>> ops = new ArrayList<>();
                ops.add(alice.login(Testbed.PASSWORD).toCompletableFuture());
                fire(t, ops, () -> alice.exportToVault());
                fire(t, ops, () -> alice.refreshKeyPackages());
                fire(t, ops, () -> alice.send(g, "hi bob".getBytes(StandardCharsets.UTF_8)));
                fire(t, ops, () -> bob.send(g, "hi alice".getBytes(StandardCharsets.UTF_8)));
                t.scheduler.runUntil(() -> ops.size() == 5 && ops.stream().allMatch(CompletableFuture::isDone));
                for (CompletableFuture<?> f : ops) {
                    assertThat(f).isCompletedWithValueMatching(v -> true, "every operation completes normally");
                }
                t.scheduler.runUntilIdle();

                assertThat(MlsLane.libraryFailures()).as("library failures").isEqualTo(libraryFailuresBefore);
                assertThat(alice.stats().libraryRejections()).isZero();
                assertThat(bob.stats().libraryRejections()).isZero();
                assertThat(alice.refusals()).isEmpty();
                assertThat(bob.refusals()).isEmpty();
                assertThat(bob.drainInbox()).filteredOn(r -> r.sender().equals("alice"))
                        .extracting(MlsClient.Received::text).containsExactly("hi bob");
                MlsClient.GroupStatus a = t.await(alice.status(g));
                MlsClient.GroupStatus b = t.await(bob.status(g));
                assertThat(a.epoch()).isEqualTo(b.epoch());
                assertThat(a.epochAuthenticator()).isEqualTo(b.epochAuthenticator());
                assertThat(a.members()).containsExactlyInAnyOrder("alice", "bob");
                // The vault on disk is whole and current enough to restore from.
                Vault.Opened opened = Vault.open(world.resolve("alice.vault"), Testbed.PASSWORD);
                assertThat(new String(opened.plaintext(), StandardCharsets.UTF_8)).contains("\"groups\"");
                assertThat(t.await(t.ds.keyPackageCount("alice"))).isGreaterThanOrEqualTo(2);
            }
        }).assertClean();
    }

    /** Submits {@code op} from its own scheduler task, so the explored schedules decide when it is fired. */
    private static void fire(Testbed t, List<CompletableFuture<?>> ops,
                             java.util.function.Supplier<CompletionStage<?>> op) {
        t.scheduler.execute(() -> ops.add(op.get().toCompletableFuture()));
    }
}
