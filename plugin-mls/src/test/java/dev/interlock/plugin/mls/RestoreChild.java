package dev.interlock.plugin.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Child process of {@link VaultRestoreAcrossProcessesTest}: a new process for alice that restores from her vault
 * (external join over HTTP), then sends, reads a reply, and exits 0. Prints KEYUSE / RESTORED / RECEIVED lines.
 * Arguments: vault path, delivery-service URL, group id (hex); the password on the first line of stdin.
 */
public final class RestoreChild {

    private RestoreChild() {
    }

    public static void main(String[] args) throws Exception {
        char[] pw = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine()
                .toCharArray();
        Scheduler scheduler = Scheduler.virtualThreads();
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        byte[] g = HexFormat.of().parseHex(args[2]);
        CompletableFuture<String> reply = new CompletableFuture<>();
        try (MlsLane lane = new MlsLane(guard, 1_000);
             MlsClient alice = new MlsClient(MlsClient.Options.defaults("alice", Path.of(args[0]))
                     .withKdf(Testbed.TEST_KDF), lane,
                     new HttpDeliveryClient(URI.create(args[1]), scheduler, Duration.ofMillis(50), 8 << 20), guard)) {
            alice.onKeyUse(u -> System.out.println("KEYUSE " + HexFormat.of().formatHex(u.epochAuthenticator())
                    + "/" + u.leafIndex() + "/" + u.generation()));
            alice.onMessage(r -> {
                System.out.println("RECEIVED " + r.sender() + ": " + r.text());
                if (r.text().equals("welcome back")) {
                    reply.complete(r.text());
                }
            });
            alice.login(pw).toCompletableFuture().get(60, TimeUnit.SECONDS);
            MlsClient.GroupStatus st = alice.status(g).toCompletableFuture().get(60, TimeUnit.SECONDS);
            System.out.println("RESTORED epoch " + st.epoch() + " members " + st.members());
            alice.send(g, "from the restored process".getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
            System.out.println("SENT");
            System.out.flush();
            reply.get(60, TimeUnit.SECONDS);
            alice.exportToVault().toCompletableFuture().get(60, TimeUnit.SECONDS);
        }
        System.out.println("DONE");
        System.out.flush();
        System.exit(0);
    }
}
