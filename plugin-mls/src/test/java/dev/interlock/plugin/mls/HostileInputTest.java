package dev.interlock.plugin.mls;

import dev.interlock.plugin.mls.MlsException.Reason;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hostile and unlucky input: each is refused with a clear, typed error before (or instead of) reaching the library,
 * and the client carries on (it still sends and receives afterwards).
 */
class HostileInputTest {

    @TempDir
    Path dir;

    private Testbed t;
    private RecordingDelivery rec;
    private MlsClient alice;
    private MlsClient bob;
    private MlsClient carol;
    private byte[] g;
    private long libraryFailures;

    @BeforeEach
    void setUp() {
        t = new Testbed(42, dir);
        rec = new RecordingDelivery(t.ds);
        alice = login("alice");
        bob = login("bob");
        carol = login("carol");
        g = t.await(alice.createGroup());
        t.await(alice.addMember(g, "bob"));
        t.await(alice.addMember(g, "carol"));
        t.scheduler.runUntilIdle();
        libraryFailures = MlsLane.libraryFailures();
    }

    @AfterEach
    void tearDown() {
        t.close();
    }

    private MlsClient login(String name) {
        MlsClient c = t.client(t.options(name).withLimits(64 * 1024, 4), rec);
        t.await(c.login(Testbed.PASSWORD));
        return c;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The client still works: it sends, and the others read it. */
    private void assertStillUsable(MlsClient c, String text) {
        t.await(c.send(g, utf8(text)));
        t.scheduler.runUntilIdle();
        for (MlsClient other : List.of(alice, bob, carol)) {
            if (other != c) {
                assertThat(other.drainInbox()).extracting(MlsClient.Received::text).contains(text);
            }
        }
        assertThat(MlsLane.libraryFailures()).as("library failures").isEqualTo(libraryFailures);
    }

    private byte[] lastLogEntry() {
        List<DeliveryService.Envelope> log = t.await(t.ds.fetch(g, 0, 1000));
        return log.getLast().message();
    }

    @Test
    void receive_oversizedMessage_refusedBeforeDecoding() {
        MlsException e = t.failure(bob.receive(g, new byte[64 * 1024 + 1]));
        assertThat(e.reason()).isEqualTo(Reason.OVERSIZED_MESSAGE);
        assertThat(e).hasMessageContaining("65537 bytes exceeds the limit of 65536");
        assertStillUsable(bob, "after oversized");
    }

    @Test
    void receive_truncatedMessage_refusedAsMalformed() {
        t.await(alice.send(g, utf8("a real message")));
        t.scheduler.runUntilIdle();
        byte[] real = lastLogEntry();
        for (int cut : new int[]{1, 3, 10, real.length / 2, real.length - 1}) {
            MlsException e = t.failure(bob.receive(g, Arrays.copyOf(real, cut)));
            assertThat(e.reason()).as("cut at %d", cut).isEqualTo(Reason.MALFORMED_MESSAGE);
        }
        assertStillUsable(bob, "after truncated");
    }

    @Test
    void receive_tinyMessageAnnouncingHugeField_refusedWithoutAllocating() {
        // version 1, private message, group_id announced as 2^30 - 1 bytes, then nothing.
        byte[] bomb = {0, 1, 0, 2, (byte) 0xBF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1, 2, 3};
        MlsException e = t.failure(bob.receive(g, bomb));
        assertThat(e.reason()).isEqualTo(Reason.MALFORMED_MESSAGE);
        assertThat(e).hasMessageContaining("1073741823 bytes").hasMessageContaining("only 3 remain");
        assertStillUsable(bob, "after bomb");
    }

    @Test
    void receive_messageFromOldEpoch_refusedAsStale() {
        t.await(alice.send(g, utf8("epoch 2 message")));
        t.scheduler.runUntilIdle();
        byte[] old = lastLogEntry();
        bob.drainInbox();
        t.await(carol.update(g));
        t.scheduler.runUntilIdle();
        MlsException e = t.failure(bob.receive(g, old));
        assertThat(e.reason()).isEqualTo(Reason.STALE_EPOCH);
        assertThat(e).hasMessageContaining("epoch 2").hasMessageContaining("at epoch 3");
        assertStillUsable(bob, "after stale");
    }

    @Test
    void receive_messagesFromFutureEpoch_bufferedUpToTheLimitThenRefused() {
        t.await(alice.send(g, utf8("x")));
        t.scheduler.runUntilIdle();
        byte[] future = lastLogEntry().clone();
        // Private message: version(2) wire format(2) group_id(1 + 16) then the epoch (8 bytes).
        future[4 + 1 + 16 + 7] += 5;
        for (int i = 0; i < 4; i++) {
            t.await(bob.receive(g, future));
        }
        assertThat(bob.stats().futureBuffered()).isEqualTo(4);
        MlsException e = t.failure(bob.receive(g, future));
        assertThat(e.reason()).isEqualTo(Reason.FUTURE_EPOCH_BUFFER_FULL);
        assertThat(e).hasMessageContaining("4 messages are buffered");
        assertStillUsable(bob, "after future");
    }

    @Test
    void commitThatLostTheRace_loserRecoversAndTheLosingCommitIsRefusedAsStale() {
        List<CompletableFuture<Long>> both = List.of(alice.update(g).toCompletableFuture(),
                bob.update(g).toCompletableFuture());
        t.scheduler.runUntil(() -> both.stream().allMatch(CompletableFuture::isDone));
        assertThat(t.await(both.get(0))).isNotEqualTo(t.await(both.get(1)));
        t.scheduler.runUntilIdle();
        List<RecordingDelivery.Commit> lost = rec.commits.stream().filter(c -> !c.accepted()).toList();
        assertThat(lost).hasSize(1);
        assertThat(alice.stats().conflictsRecovered() + bob.stats().conflictsRecovered()).isEqualTo(1);

        MlsException e = t.failure(carol.receive(g, lost.getFirst().commit()));
        assertThat(e.reason()).isEqualTo(Reason.STALE_EPOCH);
        assertThat(e).hasMessageContaining("a commit that lost the race");
        MlsClient.GroupStatus a = t.await(alice.status(g));
        for (MlsClient c : List.of(bob, carol)) {
            MlsClient.GroupStatus s = t.await(c.status(g));
            assertThat(s.epoch()).isEqualTo(a.epoch()).isEqualTo(4);
            assertThat(s.epochAuthenticator()).isEqualTo(a.epochAuthenticator());
        }
        assertStillUsable(carol, "after lost commit");
    }

    @Test
    void joinFromWelcome_replayed_rejectedBecauseTheInitKeyWasDeleted() {
        byte[] welcomeForBob = rec.welcomes.stream().filter(w -> w.identity().equals("bob")).findFirst()
                .orElseThrow().welcome();
        MlsException e = t.failure(bob.joinFromWelcome(welcomeForBob, 0));
        assertThat(e.reason()).isEqualTo(Reason.WELCOME_REJECTED);
        assertThat(e).hasMessageContaining("matches none of bob's unused key packages");
        MlsException notOurs = t.failure(carol.joinFromWelcome(welcomeForBob, 0));
        assertThat(notOurs.reason()).isEqualTo(Reason.WELCOME_REJECTED);
        assertStillUsable(bob, "after replayed welcome");
    }

    @Test
    void addMember_keyPackageWithForeignCredential_refused() {
        MlsClient mallory = login("mallory");
        byte[] mallorysPackage = t.await(t.ds.claimKeyPackage("mallory"));
        MlsClient dave = login("dave");
        rec.claimOverride = id -> CompletableFuture.completedFuture(mallorysPackage);
        MlsException e = t.failure(alice.addMember(g, "dave"));
        assertThat(e.reason()).isEqualTo(Reason.FOREIGN_CREDENTIAL);
        assertThat(e).hasMessageContaining("key package for 'dave' carries the credential of 'mallory'");
        rec.claimOverride = null;

        // The delivery service refuses the same package published under another identity.
        MlsException publish = t.failure(t.ds.publishKeyPackages("dave",
                List.of(new DeliveryService.PublishedKeyPackage(mallorysPackage, Long.MAX_VALUE, false))));
        assertThat(publish.reason()).isEqualTo(Reason.FOREIGN_CREDENTIAL);

        t.await(alice.addMember(g, "dave"));
        t.scheduler.runUntilIdle();
        assertThat(t.await(dave.groups())).hasSize(1);
        assertThat(mallory.stats().received()).isZero();
        assertStillUsable(alice, "after foreign credential");
    }

    @Test
    void receive_messageForAnotherGroup_refused() {
        byte[] other = t.await(carol.createGroup());
        t.await(carol.addMember(other, "bob"));
        t.await(carol.send(other, utf8("other group")));
        t.scheduler.runUntilIdle();
        byte[] fromOther = t.await(t.ds.fetch(other, 0, 100)).getLast().message();
        MlsException e = t.failure(bob.receive(g, fromOther));
        assertThat(e.reason()).isEqualTo(Reason.WRONG_GROUP);
        assertStillUsable(bob, "after wrong group");
    }
}
