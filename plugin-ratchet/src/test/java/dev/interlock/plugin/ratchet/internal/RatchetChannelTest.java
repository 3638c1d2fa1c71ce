package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.ChannelClosedException;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.RekeyState;
import dev.interlock.plugin.ratchet.RekeyTimeoutException;
import dev.interlock.plugin.ratchet.Role;
import dev.interlock.plugin.ratchet.internal.Message.AliceToBob;
import dev.interlock.plugin.ratchet.internal.Message.Meta;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static dev.interlock.plugin.ratchet.internal.ChannelPair.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RatchetChannelTest {

    private static final RatchetOptions OPTIONS = RatchetOptions.defaults().withWindow(6);

    @Test
    void send_bothDirections_deliveredOnceInOrder() {
        ChannelPair p = new ChannelPair(1, OPTIONS);
        for (int i = 0; i < 20; i++) {
            p.a.send(bytes("a" + i));
            p.b.send(bytes("b" + i));
        }
        p.s.runUntilIdle();
        assertThat(p.receivedByB).containsExactly(expected("a", 20));
        assertThat(p.receivedByA).containsExactly(expected("b", 20));
        assertThat(p.a.status().messagesSent()).isEqualTo(20);
        assertThat(p.b.status().messagesDelivered()).isEqualTo(20);
    }

    @Test
    void triggerRekey_uncontended_bothSidesCompleteVersionOneAndReturnToIdle() {
        ChannelPair p = new ChannelPair(2, OPTIONS);
        List<Role> rolesOfB = new ArrayList<>();
        CompletableFuture<Long> stage = p.a.triggerRekey().toCompletableFuture();
        while (!stage.isDone() && p.s.step()) {
            rolesOfB.add(p.b.status().role());
        }
        assertThat(stage).isCompletedWithValue(1L);
        p.s.runUntilIdle();
        assertThat(rolesOfB).contains(Role.LOSER);
        assertThat(p.a.status().state()).isEqualTo(RekeyState.IDLE);
        assertThat(p.b.status().state()).isEqualTo(RekeyState.IDLE);
        assertThat(p.a.version()).isEqualTo(1);
        assertThat(p.b.version()).isEqualTo(1);
        assertThat(p.a.status().pendingExchanges()).isZero();
    }

    @Test
    void triggerRekey_concurrentCallersOnOneEndpoint_joinTheRoundInFlight() {
        ChannelPair p = new ChannelPair(3, OPTIONS);
        var first = p.a.triggerRekey().toCompletableFuture();
        var second = p.a.triggerRekey().toCompletableFuture();
        var third = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(List.of(first.join(), second.join(), third.join())).containsOnly(1L);
        assertThat(p.a.version()).isEqualTo(1);
        assertThat(p.b.version()).isEqualTo(1);
    }

    @Test
    void triggerRekey_whileFollowingThePeersRound_joinsIt() {
        ChannelPair p = new ChannelPair(4, OPTIONS);
        var fromA = p.a.triggerRekey().toCompletableFuture();
        assertThat(p.s.runUntil(() -> p.b.status().state() == RekeyState.FOLLOWING)).isTrue();
        var fromB = p.b.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(fromA).isCompletedWithValue(1L);
        assertThat(fromB).isCompletedWithValue(1L);
        assertThat(p.b.version()).isEqualTo(1);
    }

    @Test
    void seed001Fix6_simultaneousRekeyThenLoserRekeysAlone_loserHoldsNoStalePendingExchangeAndCompletes() {
        ChannelPair p = new ChannelPair(5, OPTIONS);
        var fromA = p.a.triggerRekey().toCompletableFuture();
        var fromB = p.b.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(fromA).isCompletedWithValue(1L);
        assertThat(fromB).isCompletedWithValue(1L);
        // Both proposed version 1: the initiator's proposal won, B discarded its own pending exchange.
        assertThat(p.a.status().staleMessages()).isEqualTo(1);
        assertThat(p.b.status().pendingExchanges()).isZero();
        // The seed's second deadlock: the Loser starts the next rekey; the former Leader, now Idle, must answer it.
        var next = p.b.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(next).isCompletedWithValue(2L);
        assertThat(p.a.version()).isEqualTo(2);
        assertThat(p.a.status().staleMessages()).isEqualTo(1);
    }

    @Test
    void seed001Fix5_leaderReceivesAliceToBobWithoutPendingExchange_ignoresItAsStaleAndCompletes() {
        ChannelPair p = new ChannelPair(6, OPTIONS);
        // Hold B's LeaderCanFinish so that A stays LEADING (Leader, pending exchange consumed).
        p.tapA.hold = frame -> TappedTransport.type(frame) == Message.LEADER_CAN_FINISH;
        var stage = p.a.triggerRekey().toCompletableFuture();
        assertThat(p.s.runUntil(() -> p.tapA.held.size() == 1 && p.b.status().state() == RekeyState.IDLE)).isTrue();
        assertThat(p.a.status().state()).isEqualTo(RekeyState.LEADING);
        assertThat(p.a.status().pendingExchanges()).isZero();
        // An authenticated AliceToBob from B's side proposing version 2 from version 1: A has no pending exchange
        // for it. It is sealed under version 0 (still in the window) by a replica of B's key chain.
        KeyChain forger = p.forgerAsB(1000);
        byte[] body = p.codec().encode(new AliceToBob(new Meta(0, 1), 2, new byte[32], null));
        p.tapA.inject(forger.seal(Message.ALICE_TO_BOB, body));
        assertThat(p.s.runUntil(() -> p.a.status().staleMessages() == 1)).isTrue();
        assertThat(p.a.status().state()).isEqualTo(RekeyState.LEADING);
        assertThat(p.rejectedByA).isEmpty();
        // The held LeaderCanFinish arrives: A completes.
        p.tapA.inject(p.tapA.held.removeFirst());
        p.await(stage);
        assertThat(stage).isCompletedWithValue(1L);
        assertThat(p.a.status().state()).isEqualTo(RekeyState.IDLE);
    }

    @Test
    void seed001Fix1_roundCompletesWithinTheSameInstant_waiterStillCompletes() {
        ChannelPair p = new ChannelPair(7, OPTIONS, new TestKem(),
                dev.interlock.testkit.LinkOptions.defaults().withLatency(Duration.ZERO).withJitter(Duration.ZERO)
                        .withChunkSizes(1, 4096));
        var stage = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(stage).isCompletedWithValue(1L);
        assertThat(p.s.elapsed()).isEqualTo(Duration.ZERO);
        // A caller that arrives after the round completed starts the next round instead of waiting for the last.
        var later = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThat(later).isCompletedWithValue(2L);
    }

    @Test
    void seed001Fix3_closeDuringRekey_everyWaiterFailsWithClosedAndNoTaskThrows() {
        ChannelPair p = new ChannelPair(8, OPTIONS);
        p.tapB.hold = frame -> TappedTransport.type(frame) == Message.ALICE_TO_BOB; // the round cannot finish
        var first = p.a.triggerRekey().toCompletableFuture();
        var joined = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntil(() -> p.a.status().state() == RekeyState.PROPOSED);
        var closed = p.a.close().toCompletableFuture();
        var afterClose = p.a.triggerRekey().toCompletableFuture();
        var sendAfterClose = p.a.send(bytes("late")).toCompletableFuture();
        p.s.runUntilIdle(); // throws if any background task threw
        assertThat(closed).isDone();
        for (CompletableFuture<?> f : List.of(first, joined, afterClose, sendAfterClose)) {
            assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(ChannelClosedException.class).hasMessageContaining("closed");
        }
        assertThat(p.a.status().state()).isEqualTo(RekeyState.CLOSED);
        assertThat(p.a.status().pendingExchanges()).isZero();
        assertThat(p.b.status().state()).isEqualTo(RekeyState.CLOSED);
        assertThat(p.b.closed().toCompletableFuture()).isDone();
    }

    @Test
    void seed001Fix2_peerClosesGracefully_framesSentBeforeTheCloseAreStillDelivered() {
        ChannelPair p = new ChannelPair(9, OPTIONS);
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            sends.add(p.a.send(bytes("a" + i)).toCompletableFuture());
        }
        p.await(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)));
        assertThat(p.receivedByB).isEmpty(); // still in flight on the link
        p.a.close();
        p.s.runUntilIdle();
        assertThat(p.receivedByB).containsExactly(expected("a", 10));
        assertThat(p.b.closed().toCompletableFuture()).isDone();
        assertThat(p.b.status().state()).isEqualTo(RekeyState.CLOSED);
    }

    @Test
    void triggerRekey_peerNeverAnswers_failsWithRekeyTimeoutAfterTheTotalBound() {
        ChannelPair p = new ChannelPair(10, OPTIONS.withRekeyTimeout(Duration.ofSeconds(5)));
        p.tapA.dropOutbound = true;
        var stage = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntilIdle();
        assertThatThrownBy(stage::join).cause().isInstanceOf(RekeyTimeoutException.class)
                .hasMessageContaining("version 1").hasMessageContaining("PT5S");
        assertThat(p.s.elapsed()).isGreaterThanOrEqualTo(Duration.ofSeconds(5));
        p.a.close();
        p.s.runUntilIdle();
    }

    @Test
    void peerResetsTheLink_waitersFailWithClosedNamingTheTransport() {
        ChannelPair p = new ChannelPair(11, OPTIONS);
        p.tapB.hold = frame -> true;
        var stage = p.a.triggerRekey().toCompletableFuture();
        p.s.runUntil(() -> p.tapB.held.size() == 1);
        SimulatedLinkTransport bTransport = (SimulatedLinkTransport) p.tapB.delegate;
        bTransport.reset();
        p.s.runUntilIdle();
        assertThatThrownBy(stage::join).cause().isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("failed").hasMessageContaining("reset");
        assertThat(p.a.status().state()).isEqualTo(RekeyState.FAILED);
    }

    @Test
    void window_manyRekeys_leaderTruncatesAndBothKeepTheSameBoundedWindow() {
        ChannelPair p = new ChannelPair(12, RatchetOptions.defaults().withWindow(3));
        for (int i = 1; i <= 8; i++) {
            var stage = (i % 2 == 0 ? p.a : p.b).triggerRekey();
            p.s.runUntilIdle();
            assertThat(stage.toCompletableFuture()).isCompletedWithValue((long) i);
            assertThat(p.a.status().latest() - p.a.status().earliest() + 1).isLessThanOrEqualTo(3);
            assertThat(p.b.status().earliest()).isEqualTo(p.a.status().earliest());
        }
        assertThat(p.a.status().earliest()).isEqualTo(6);
        p.a.send(bytes("after"));
        p.s.runUntilIdle();
        assertThat(p.receivedByB).containsExactly("after");
    }

    @Test
    void open_messageUnderAnOlderVersionStillInTheWindow_decrypts() {
        ChannelPair p = new ChannelPair(13, OPTIONS);
        p.tapB.hold = frame -> TappedTransport.type(frame) == Message.APP;
        p.a.send(bytes("sealed under version 0"));
        p.s.runUntilIdle();
        p.tapB.hold = frame -> false;
        for (int i = 0; i < 3; i++) {
            p.a.triggerRekey();
            p.s.runUntilIdle();
        }
        assertThat(p.b.version()).isEqualTo(3);
        assertThat(TappedTransport.version(p.tapB.held.getFirst())).isZero();
        p.tapB.inject(p.tapB.held.getFirst());
        p.s.runUntilIdle();
        assertThat(p.receivedByB).containsExactly("sealed under version 0");
    }

    @Test
    void triggerRekey_withPayload_payloadDeliveredExactlyOnceEvenWhenTheProposalLoses() {
        ChannelPair p = new ChannelPair(14, OPTIONS);
        var fromA = p.a.triggerRekey(bytes("from A"));
        var fromB = p.b.triggerRekey(bytes("from B")); // B's proposal loses the tie-break
        p.s.runUntilIdle();
        assertThat(fromA.toCompletableFuture()).isCompletedWithValue(1L);
        assertThat(fromB.toCompletableFuture()).isCompletedWithValue(1L);
        assertThat(p.receivedByA).containsExactly("from B");
        assertThat(p.receivedByB).containsExactly("from A");
        var joined = p.a.triggerRekey();
        var joinedWithPayload = p.a.triggerRekey(bytes("joined"));
        p.s.runUntilIdle();
        assertThat(joined.toCompletableFuture()).isCompletedWithValue(2L);
        assertThat(joinedWithPayload.toCompletableFuture()).isCompletedWithValue(2L);
        assertThat(p.receivedByB).containsExactly("from A", "joined");
    }

    @Test
    void send_payloadOverTheLimit_failsNamingTheLimit() {
        ChannelPair p = new ChannelPair(15, OPTIONS.withMaxPayload(16));
        assertThatThrownBy(() -> p.a.send(new byte[17])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("17 bytes").hasMessageContaining("maxPayload 16");
        assertThatThrownBy(() -> p.a.triggerRekey(new byte[17])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builder_missingSettings_failsNamingThem() {
        var guard = dev.interlock.api.guard.ConcurrencyGuard.inJvm(new dev.interlock.testkit.DeterministicScheduler(1));
        assertThatThrownBy(() -> dev.interlock.plugin.ratchet.RatchetChannel.builder(guard).open())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("side(...)")
                .hasMessageContaining("sessionSecret(...)").hasMessageContaining("transport(...)");
        assertThatThrownBy(() -> dev.interlock.plugin.ratchet.RatchetChannel.builder(guard).sessionSecret(new byte[8]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
    }

    private static String[] expected(String prefix, int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = prefix + i;
        }
        return out;
    }
}
