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
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every public operation may be called at any moment: a send while a commit is in flight, an export while key
 * packages refresh, an add while the other member updates. On every explored schedule all of them complete, nothing
 * reaches the library out of turn, and the members and the vault agree afterwards.
 */
class ConcurrentApplicationCallsTest {

    @TempDir
    Path dir;

    @Test
    void everyOperationAtOnce_onEverySchedule_completesAndStateAgrees() {
        RaceHarness.explore("mls-concurrent-application-calls", 1, Testbed.seeds(150), s -> {
            Path world = Files.createDirectories(dir.resolve("seed-" + s.seed()));
            try (Testbed t = new Testbed(s, world)) {
                long failures = MlsLane.libraryFailures();
                MlsClient alice = t.loggedIn("alice");
                MlsClient bob = t.loggedIn("bob");
                MlsClient carol = t.loggedIn("carol");
                byte[] g = t.await(alice.createGroup());
                t.await(alice.addMember(g, "bob"));
                t.scheduler.runUntilIdle();

                List<Supplier<CompletionStage<?>>> ops = List.of(
                        () -> alice.update(g),
                        () -> alice.send(g, utf8("a1")),
                        () -> alice.exportToVault(),
                        () -> alice.refreshKeyPackages(),
                        () -> alice.addMember(g, "carol"),
                        () -> alice.send(g, utf8("a2")),
                        () -> bob.update(g),
                        () -> bob.send(g, utf8("b1")),
                        () -> bob.exportToVault(),
                        () -> alice.status(g),
                        () -> bob.sync());
                List<CompletableFuture<?>> started = new ArrayList<>();
                for (Supplier<CompletionStage<?>> op : ops) {
                    t.scheduler.execute(() -> started.add(op.get().toCompletableFuture()));
                }
                t.scheduler.runUntil(() -> started.size() == ops.size()
                        && started.stream().allMatch(CompletableFuture::isDone));
                for (CompletableFuture<?> f : started) {
                    t.await(f);
                }
                t.scheduler.runUntilIdle();

                assertThat(MlsLane.libraryFailures()).isEqualTo(failures);
                MlsClient.GroupStatus a = t.await(alice.status(g));
                assertThat(a.members()).containsExactlyInAnyOrder("alice", "bob", "carol");
                assertThat(a.epoch()).as("epoch 1 after adding bob, then 2 updates and adding carol").isEqualTo(4);
                for (MlsClient c : List.of(bob, carol)) {
                    MlsClient.GroupStatus st = t.await(c.status(g));
                    assertThat(st.epochAuthenticator()).isEqualTo(a.epochAuthenticator());
                }
                assertThat(bob.drainInbox()).extracting(MlsClient.Received::text)
                        .containsExactlyInAnyOrder("a1", "a2");
                assertThat(alice.drainInbox()).extracting(MlsClient.Received::text).containsExactly("b1");
                for (MlsClient c : List.of(alice, bob, carol)) {
                    assertThat(c.refusals()).isEmpty();
                }
                assertThat(Vault.open(world.resolve("alice.vault"), Testbed.PASSWORD).plaintext()).isNotEmpty();
            }
        }).assertClean();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
