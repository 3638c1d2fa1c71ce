package dev.interlock.plugin.mls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MlsClientBasicsTest {

    @TempDir
    Path dir;

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createAddSendReceive_twoMembers_bothConverge() {
        try (Testbed t = new Testbed(1, dir)) {
            MlsClient alice = t.loggedIn("alice");
            MlsClient bob = t.loggedIn("bob");
            byte[] g = t.await(alice.createGroup());
            assertThat(t.await(alice.addMember(g, "bob"))).isEqualTo(1L);
            t.scheduler.runUntilIdle();
            assertThat(t.await(bob.groups())).hasSize(1);

            t.await(alice.send(g, utf8("hello bob")));
            t.scheduler.runUntilIdle();
            assertThat(bob.drainInbox()).singleElement().satisfies(r -> {
                assertThat(r.sender()).isEqualTo("alice");
                assertThat(r.text()).isEqualTo("hello bob");
            });
            t.await(bob.send(g, utf8("hello alice")));
            t.scheduler.runUntilIdle();
            assertThat(alice.drainInbox()).singleElement().satisfies(r -> assertThat(r.sender()).isEqualTo("bob"));

            t.await(bob.update(g));
            t.scheduler.runUntilIdle();
            MlsClient.GroupStatus a = t.await(alice.status(g));
            MlsClient.GroupStatus b = t.await(bob.status(g));
            assertThat(a.epoch()).isEqualTo(2).isEqualTo(b.epoch());
            assertThat(a.epochAuthenticator()).isEqualTo(b.epochAuthenticator());
            assertThat(a.members()).containsExactly("alice", "bob");
        }
    }

    @Test
    void removeMember_threeMembers_removedMemberLeavesAndTheRestConverge() {
        try (Testbed t = new Testbed(2, dir)) {
            MlsClient alice = t.loggedIn("alice");
            MlsClient bob = t.loggedIn("bob");
            MlsClient carol = t.loggedIn("carol");
            byte[] g = t.await(alice.createGroup());
            t.await(alice.addMember(g, "bob"));
            t.await(alice.addMember(g, "carol"));
            t.scheduler.runUntilIdle();
            assertThat(t.await(alice.removeMember(g, "bob"))).isEqualTo(3L);
            t.scheduler.runUntilIdle();
            assertThat(t.await(bob.groups())).as("bob saw his removal").isEmpty();
            MlsException e = t.failure(bob.send(g, utf8("still there?")));
            assertThat(e.reason()).isEqualTo(MlsException.Reason.UNKNOWN_GROUP);
            MlsClient.GroupStatus a = t.await(alice.status(g));
            MlsClient.GroupStatus c = t.await(carol.status(g));
            assertThat(a.members()).containsExactly("alice", "carol");
            assertThat(c.epochAuthenticator()).isEqualTo(a.epochAuthenticator());
            t.await(carol.send(g, utf8("just us")));
            t.scheduler.runUntilIdle();
            assertThat(alice.drainInbox()).extracting(MlsClient.Received::text).containsExactly("just us");
            assertThat(bob.drainInbox()).isEmpty();
            MlsException unknown = t.failure(alice.removeMember(g, "bob"));
            assertThat(unknown.reason()).isEqualTo(MlsException.Reason.UNKNOWN_MEMBER);
        }
    }

    @Test
    void operations_beforeLogin_failWithNotLoggedIn() {
        try (Testbed t = new Testbed(3, dir)) {
            MlsClient alice = t.client("alice");
            MlsException e = t.failure(alice.exportToVault());
            assertThat(e.reason()).isEqualTo(MlsException.Reason.NOT_LOGGED_IN);
            assertThat(e).hasMessageContaining("call login(password) first");
            t.await(alice.login(Testbed.PASSWORD));
            assertThat(t.await(alice.exportToVault())).isPositive();
        }
    }

    @Test
    void operations_overQueueCapacity_failWithBusyAndAfterCloseWithClosed() {
        try (Testbed t = new Testbed(4, dir)) {
            MlsClient.Options small = t.options("alice").withQueue(1, 1_000);
            MlsClient alice = t.client(small, t.ds);
            t.await(alice.login(Testbed.PASSWORD));
            t.scheduler.runUntilIdle();
            var first = alice.exportToVault().toCompletableFuture(); // waits: the one place in the queue
            var second = alice.exportToVault().toCompletableFuture();
            MlsException busy = t.failure(second);
            assertThat(busy.reason()).isEqualTo(MlsException.Reason.BUSY);
            assertThat(busy).hasMessageContaining("capacity 1");
            assertThat(t.await(first)).isPositive();
            alice.close();
            assertThat(t.failure(alice.exportToVault()).reason()).isEqualTo(MlsException.Reason.CLOSED);
        }
    }

    @Test
    void send_manyMessagesInOneEpoch_updatesFirstToBoundRetainedKeys() {
        try (Testbed t = new Testbed(5, dir)) {
            MlsClient alice = t.client(t.options("alice").withQueue(100, 3), t.ds);
            t.await(alice.login(Testbed.PASSWORD));
            MlsClient bob = t.loggedIn("bob");
            byte[] g = t.await(alice.createGroup());
            t.await(alice.addMember(g, "bob"));
            for (int i = 0; i < 7; i++) {
                t.await(alice.send(g, utf8("m" + i)));
            }
            t.scheduler.runUntilIdle();
            assertThat(bob.drainInbox()).extracting(MlsClient.Received::text)
                    .containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6");
            assertThat(t.await(alice.status(g)).epoch()).as("two updates: after m2 and after m5").isEqualTo(3);
            assertThat(t.await(bob.status(g)).epochAuthenticator())
                    .isEqualTo(t.await(alice.status(g)).epochAuthenticator());
        }
    }
}
