package dev.interlock.plugin.mls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A member that cannot apply a commit the delivery service accepted (here: it arrives corrupted for that member only)
 * can no longer follow the group; it rejoins by external commit and carries on instead of staying forked.
 */
class DesyncRecoveryTest {

    @TempDir
    Path dir;

    @Test
    void acceptedCommitThatDoesNotApply_memberRejoinsByExternalCommitAndConverges() {
        try (Testbed t = new Testbed(11, dir)) {
            RecordingDelivery bobsView = new RecordingDelivery(t.ds);
            MlsClient alice = t.loggedIn("alice");
            MlsClient carol = t.loggedIn("carol");
            MlsClient bob = t.client(t.options("bob"), bobsView);
            t.await(bob.login(Testbed.PASSWORD));
            byte[] g = t.await(alice.createGroup());
            t.await(alice.addMember(g, "bob"));
            t.scheduler.runUntilIdle();
            // Every commit bob fetches from now on has its last byte (inside its membership tag) flipped.
            bobsView.fetchFilter = list -> list.stream().map(e -> {
                if (e.kind() != DeliveryService.Kind.COMMIT || e.seq() < 2) {
                    return e;
                }
                byte[] m = e.message().clone();
                m[m.length - 1] ^= 1;
                return new DeliveryService.Envelope(e.seq(), e.kind(), e.epoch(), m);
            }).toList();
            t.await(alice.addMember(g, "carol"));
            t.scheduler.runUntilIdle();
            bobsView.fetchFilter = l -> l;

            assertThat(bob.stats().rejoins()).isEqualTo(1);
            assertThat(bob.refusals())
                    .anySatisfy(r -> assertThat(r.reason()).isEqualTo(MlsException.Reason.LIBRARY_FAILURE));
            MlsClient.GroupStatus a = t.await(alice.status(g));
            for (MlsClient c : List.of(bob, carol)) {
                MlsClient.GroupStatus s = t.await(c.status(g));
                assertThat(s.epoch()).isEqualTo(a.epoch()).isEqualTo(3);
                assertThat(s.epochAuthenticator()).isEqualTo(a.epochAuthenticator());
            }
            t.await(bob.send(g, "back in sync".getBytes(StandardCharsets.UTF_8)));
            t.scheduler.runUntilIdle();
            assertThat(alice.drainInbox()).extracting(MlsClient.Received::text).containsExactly("back in sync");
            assertThat(carol.drainInbox()).extracting(MlsClient.Received::text).containsExactly("back in sync");
        }
    }
}
