package dev.interlock.plugin.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The vault across processes: alice's state is sealed, her process ends, a NEW JVM unlocks the vault, rejoins the
 * group by external join (GroupInfo signature verified by the client) through the HTTP delivery service, and then
 * sends and reads. No (epoch, leaf, generation) — hence no (key, nonce) — is used twice across both processes.
 */
class VaultRestoreAcrossProcessesTest {

    @TempDir
    Path dir;

    @Test
    void restoreInChildJvm_afterExport_readsAndSendsWithoutKeyReuse() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        List<String> keyUses = new CopyOnWriteArrayList<>();
        try (MlsLane lane = new MlsLane(guard, 1_000)) {
            EmbeddedDeliveryService ds = new EmbeddedDeliveryService(scheduler, lane,
                    EmbeddedDeliveryService.Limits.defaults());
            try (DeliveryServer server = DeliveryServer.start(new InetSocketAddress("127.0.0.1", 0), ds, scheduler,
                    2 << 20);
                 MlsClient bob = new MlsClient(opts("bob"), lane, ds, guard)) {
                MlsClient alice = new MlsClient(opts("alice"), lane, ds, guard);
                alice.onKeyUse(u -> keyUses.add(HexFormat.of().formatHex(u.epochAuthenticator()) + "/"
                        + u.leafIndex() + "/" + u.generation()));
                CompletableFuture<String> before = new CompletableFuture<>();
                CompletableFuture<String> restored = new CompletableFuture<>();
                bob.onMessage(r -> (r.text().equals("before restore") ? before : restored)
                        .complete(r.sender() + ": " + r.text()));
                get(alice.login(Testbed.PASSWORD.clone()));
                get(bob.login(Testbed.PASSWORD.clone()));
                byte[] g = get(alice.createGroup());
                get(alice.addMember(g, "bob"));
                get(alice.send(g, "before restore".getBytes(StandardCharsets.UTF_8)));
                assertThat(before.get(60, TimeUnit.SECONDS)).isEqualTo("alice: before restore");
                get(alice.exportToVault());
                alice.close();

                List<String> cmd = new ArrayList<>(ChildJvm.command(RestoreChild.class));
                cmd.add(dir.resolve("alice.vault").toString());
                cmd.add("http://127.0.0.1:" + server.port());
                cmd.add(HexFormat.of().formatHex(g));
                Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                child.getOutputStream().write((new String(Testbed.PASSWORD) + "\n").getBytes(StandardCharsets.UTF_8));
                child.getOutputStream().close();
                List<String> lines = new CopyOnWriteArrayList<>();
                Thread reader = Thread.ofVirtual().start(() -> {
                    try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            lines.add(line);
                        }
                    } catch (java.io.IOException e) {
                        lines.add("READ FAILED " + e);
                    }
                });
                try {
                    assertThat(restored.get(120, TimeUnit.SECONDS)).as("child output %s", lines)
                            .isEqualTo("alice: from the restored process");
                    get(bob.send(g, "welcome back".getBytes(StandardCharsets.UTF_8)));
                    assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("child output %s", lines).isTrue();
                } finally {
                    child.destroyForcibly();
                }
                reader.join();
                assertThat(child.exitValue()).as("child output %s", lines).isZero();
                assertThat(lines).contains("RESTORED epoch 2 members [alice, bob]", "SENT",
                        "RECEIVED bob: welcome back", "DONE");
                MlsClient.GroupStatus b = get(bob.status(g));
                assertThat(b.epoch()).isEqualTo(2);
                assertThat(b.members()).containsExactly("alice", "bob");

                for (String l : lines) {
                    if (l.startsWith("KEYUSE ")) {
                        keyUses.add(l.substring("KEYUSE ".length()));
                    }
                }
                assertThat(keyUses).hasSize(2);
                Set<String> unique = new HashSet<>(keyUses);
                assertThat(unique).as("(epoch authenticator, leaf, generation) per message").hasSize(keyUses.size());
            }
        }
    }

    private MlsClient.Options opts(String name) {
        return MlsClient.Options.defaults(name, dir.resolve(name + ".vault")).withKdf(Testbed.TEST_KDF);
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
}
