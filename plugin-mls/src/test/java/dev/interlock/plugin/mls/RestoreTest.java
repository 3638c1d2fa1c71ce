package dev.interlock.plugin.mls;

import dev.interlock.plugin.mls.MlsException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Restoring group membership from the vault by external join, in one process on the deterministic scheduler. */
class RestoreTest {

    @TempDir
    Path dir;

    @Test
    void login_fromVault_rejoinsByExternalCommitAndConverges() {
        try (Testbed t = new Testbed(21, dir)) {
            MlsClient alice = t.loggedIn("alice");
            MlsClient bob = t.loggedIn("bob");
            byte[] g = t.await(alice.createGroup());
            t.await(alice.addMember(g, "bob"));
            t.await(alice.exportToVault());
            alice.close();
            MlsClient again = t.loggedIn("alice");
            t.scheduler.runUntilIdle();
            MlsClient.GroupStatus a = t.await(again.status(g));
            MlsClient.GroupStatus b = t.await(bob.status(g));
            assertThat(a.epoch()).isEqualTo(2).isEqualTo(b.epoch());
            assertThat(a.epochAuthenticator()).isEqualTo(b.epochAuthenticator());
            assertThat(a.members()).containsExactlyInAnyOrder("alice", "bob");
            t.await(again.send(g, "restored".getBytes(StandardCharsets.UTF_8)));
            t.scheduler.runUntilIdle();
            assertThat(bob.drainInbox()).extracting(MlsClient.Received::text).containsExactly("restored");
        }
    }

    @Test
    void login_groupInfoWithBadSignature_refusedAndNotJoined() {
        try (Testbed t = new Testbed(22, dir)) {
            MlsClient alice = t.loggedIn("alice");
            t.loggedIn("bob");
            byte[] g = t.await(alice.createGroup());
            t.await(alice.addMember(g, "bob"));
            t.await(alice.exportToVault());
            alice.close();
            RecordingDelivery hostile = new RecordingDelivery(t.ds);
            hostile.groupInfoFilter = info -> {
                byte[] forged = info.clone();
                forged[forged.length - 1] ^= 1; // inside the signature
                return forged;
            };
            MlsClient again = t.client(t.options("alice"), hostile);
            t.await(again.login(Testbed.PASSWORD));
            assertThat(t.await(again.groups())).isEmpty();
            assertThat(again.refusals()).singleElement().satisfies(r -> {
                assertThat(r.reason()).isEqualTo(Reason.INVALID_GROUP_INFO);
                assertThat(r.message()).contains("does not verify");
            });
            assertThat(t.await(t.ds.fetch(g, 0, 100))).as("no external commit was posted").hasSize(1);
        }
    }

    @Test
    void login_vaultOfAnotherIdentity_refusedAsCorrupt() {
        try (Testbed t = new Testbed(23, dir)) {
            t.loggedIn("alice");
            MlsClient.Options stolen = MlsClient.Options.defaults("mallory", dir.resolve("alice.vault"))
                    .withKdf(Testbed.TEST_KDF);
            MlsClient thief = t.client(stolen, t.ds);
            MlsException e = t.failure(thief.login(Testbed.PASSWORD));
            assertThat(e.reason()).isEqualTo(Reason.VAULT_CORRUPT);
            assertThat(e).hasMessageContaining("belongs to 'alice'");
        }
    }
}
