package dev.interlock.plugin.mls;

import dev.interlock.testkit.RaceHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Five members add each other, commit and send at the same time on every explored schedule: commits race for each
 * epoch, the delivery service accepts one, the losers apply it and redo their change. At the end every member is on
 * the same epoch with the same epoch authenticator, every application message reached every other member exactly
 * once, and no (epoch, sender leaf, generation) — hence no AEAD key and nonce — was ever used twice.
 */
class FiveMemberConcurrencyTest {

    @TempDir
    Path dir;

    private static final String[] NAMES = {"alice", "bob", "carol", "dave", "erin"};

    @Test
    void concurrentCommitsAndSends_fiveMembers_convergeAndDeliverExactlyOnce() {
        AtomicLong conflicts = new AtomicLong();
        RaceHarness.explore("mls-five-members", 1, Testbed.seeds(40), s -> {
            Path world = Files.createDirectories(dir.resolve("seed-" + s.seed()));
            try (Testbed t = new Testbed(s, world)) {
                Map<String, MlsClient> c = new HashMap<>();
                Map<String, String> keyUses = new HashMap<>();
                for (String n : NAMES) {
                    MlsClient client = t.loggedIn(n);
                    client.onKeyUse(u -> {
                        String use = HexFormat.of().formatHex(u.epochAuthenticator()) + "/" + u.leafIndex() + "/"
                                + u.generation();
                        String previous = keyUses.put(use, n);
                        assertThat(previous).as("(epoch, leaf, generation) %s used twice", use).isNull();
                    });
                    c.put(n, client);
                }
                byte[] g = t.await(c.get("alice").createGroup());
                t.await(c.get("alice").addMember(g, "bob"));
                t.await(c.get("alice").addMember(g, "carol"));
                t.scheduler.runUntilIdle();

                // Phase 1: three members commit for the same epoch at once.
                all(t, List.of(
                        () -> c.get("bob").addMember(g, "dave"),
                        () -> c.get("carol").addMember(g, "erin"),
                        () -> c.get("alice").update(g)));
                t.scheduler.runUntilIdle();

                // Phase 2: everyone updates and sends twice, all at once.
                List<Supplier<CompletionStage<?>>> phase2 = new ArrayList<>();
                List<String> sent = new ArrayList<>();
                for (String n : NAMES) {
                    phase2.add(() -> c.get(n).update(g));
                    for (int i = 0; i < 2; i++) {
                        String text = n + "#" + i;
                        sent.add(text);
                        phase2.add(() -> c.get(n).send(g, text.getBytes(StandardCharsets.UTF_8)));
                    }
                }
                all(t, phase2);
                t.scheduler.runUntilIdle();

                MlsClient.GroupStatus first = t.await(c.get("alice").status(g));
                assertThat(first.members()).containsExactlyInAnyOrder(NAMES);
                for (String n : NAMES) {
                    MlsClient client = c.get(n);
                    MlsClient.GroupStatus st = t.await(client.status(g));
                    assertThat(st.epoch()).as("%s's epoch", n).isEqualTo(first.epoch());
                    assertThat(st.epochAuthenticator()).as("%s's epoch authenticator", n)
                            .isEqualTo(first.epochAuthenticator());
                    List<String> expected = sent.stream().filter(x -> !x.startsWith(n + "#")).toList();
                    assertThat(client.drainInbox()).extracting(MlsClient.Received::text)
                            .as("%s received every other member's messages exactly once", n)
                            .containsExactlyInAnyOrderElementsOf(expected);
                    assertThat(client.stats().libraryRejections()).isZero();
                    conflicts.addAndGet(client.stats().conflictsRecovered());
                }
                // 5 creations/joins + 3 phase-1 commits + 5 updates, each its own epoch.
                assertThat(first.epoch()).isEqualTo(2 + 3 + 5);
            }
        }).assertClean();
        assertThat(conflicts.get()).as("commits that lost a race and were redone").isPositive();
    }

    private static void all(Testbed t, List<Supplier<CompletionStage<?>>> ops) {
        List<CompletableFuture<?>> futures = new ArrayList<>();
        for (Supplier<CompletionStage<?>> op : ops) {
            t.scheduler.execute(() -> futures.add(op.get().toCompletableFuture()));
        }
        t.scheduler.runUntil(() -> futures.size() == ops.size()
                && futures.stream().allMatch(CompletableFuture::isDone));
        for (CompletableFuture<?> f : futures) {
            t.await(f);
        }
    }
}
