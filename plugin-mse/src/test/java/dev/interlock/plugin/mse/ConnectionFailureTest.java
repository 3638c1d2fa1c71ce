package dev.interlock.plugin.mse;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mse.internal.Connection;
import dev.interlock.plugin.mse.internal.HandshakeEngine;
import dev.interlock.plugin.mse.internal.MseCrypto;
import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.LinkOptions;
import dev.interlock.testkit.SimulatedLink;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad peers at the connection level: each fails with its own error, its link is closed, and others carry on. */
class ConnectionFailureTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static MseAcceptor acceptor(DeterministicScheduler s, ConcurrencyGuard guard) {
        return new MseAcceptor(guard, MseConfig.of(EncryptionPolicy.PREFER, SimulatedPeers.PEER_B)
                .withRandom(s.random()).withHandshakeTimeout(TIMEOUT), List.of(SimulatedPeers.INFO_HASH));
    }

    @Test
    void accept_stalledPeerBesideGoodAndBadPeers_onlyTheirOwnConnectionsFail() {
        DeterministicScheduler s = new DeterministicScheduler(5);
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
        MseAcceptor acceptor = acceptor(s, guard);

        SimulatedLink stalled = SimulatedLink.open(s, LinkOptions.defaults());
        CompletableFuture<MseSession> stalledResult = acceptor.accept(new SimulatedTransport(stalled.right())).toCompletableFuture();
        stalled.left().onReceive(b -> { });
        stalled.left().send(new byte[40]); // a Ya that never completes

        SimulatedLink wrongTorrent = SimulatedLink.open(s, LinkOptions.defaults());
        CompletableFuture<MseSession> wrongResult = acceptor.accept(new SimulatedTransport(wrongTorrent.right())).toCompletableFuture();
        CompletableFuture<MseSession> wrongInitiator = new MseConnector(guard,
                MseConfig.of(EncryptionPolicy.REQUIRED, SimulatedPeers.PEER_A).withRandom(s.random()))
                .connectOnce(SimulatedPeers.OTHER_HASH, EncryptionPolicy.REQUIRED.outgoingAttempts().getFirst(),
                        new SimulatedTransport(wrongTorrent.left())).toCompletableFuture();

        SimulatedLink good = SimulatedLink.open(s, LinkOptions.defaults());
        CompletableFuture<MseSession> goodResult = acceptor.accept(new SimulatedTransport(good.right())).toCompletableFuture();
        CompletableFuture<MseSession> goodInitiator = new MseConnector(guard,
                MseConfig.of(EncryptionPolicy.REQUIRED, SimulatedPeers.PEER_A).withRandom(s.random()))
                .connectOnce(SimulatedPeers.INFO_HASH, EncryptionPolicy.REQUIRED.outgoingAttempts().getFirst(),
                        new SimulatedTransport(good.left())).toCompletableFuture();

        s.runFor(Duration.ofSeconds(1));
        assertThat(goodResult.join().encrypted()).isTrue();
        assertThat(goodInitiator.join().encrypted()).isTrue();
        assertThat(SimulatedPeers.cause(wrongResult)).isInstanceOf(MseException.UnknownInfoHash.class);
        assertThat(SimulatedPeers.cause(wrongInitiator)).isInstanceOf(MseException.PeerClosed.class);
        assertThat(stalledResult).isNotDone();

        s.runFor(TIMEOUT);
        assertThat(SimulatedPeers.cause(stalledResult)).isInstanceOf(MseException.HandshakeTimeout.class)
                .hasMessageContaining("R_AWAIT_YA").hasMessageContaining("10000 ms");
        assertThat(stalled.right().isOpen()).isFalse();
        assertThat(stalled.left().isOpen()).isFalse(); // the stalled peer saw us close
        assertThat(wrongTorrent.right().isOpen()).isFalse();
        // the good session is untouched and still carries data
        StringBuilder got = new StringBuilder();
        goodResult.join().onReceive(b -> got.append(new String(b)));
        goodInitiator.join().send("still here".getBytes());
        s.runFor(Duration.ofSeconds(1));
        assertThat(got).hasToString("still here");
        assertThat(good.right().isOpen()).isTrue();
    }

    @Test
    void accept_peerFloodsWhileKeyDerivationRuns_failsFloodAndClosesOnlyThatLink() {
        DeterministicScheduler s = new DeterministicScheduler(9);
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
        Seed000ReentryRegressionTest.HeldExecutor held = new Seed000ReentryRegressionTest.HeldExecutor();
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withChunkSizes(512, 4096));
        HandshakeEngine.Config config = new HandshakeEngine.Config(HandshakeEngine.Role.RESPONDER, Set.of(),
                EncryptionPolicy.PREFER, null,
                Map.of(HexFormat.of().formatHex(MseCrypto.hash("req2", SimulatedPeers.INFO_HASH)), SimulatedPeers.INFO_HASH),
                SimulatedPeers.PEER_B, new byte[8], true, 68, s.random(), held);
        CompletableFuture<MseSession> flooded = new Connection(guard, new SimulatedTransport(link.right()), config,
                TIMEOUT, s.nanoTime(), 1).start().toCompletableFuture();

        SimulatedLink good = SimulatedLink.open(s, LinkOptions.defaults());
        CompletableFuture<MseSession> goodResult = acceptor(s, guard).accept(new SimulatedTransport(good.right())).toCompletableFuture();
        CompletableFuture<MseSession> goodInitiator = new MseConnector(guard,
                MseConfig.of(EncryptionPolicy.PREFER, SimulatedPeers.PEER_A).withRandom(s.random()))
                .connect(SimulatedPeers.INFO_HASH, () -> CompletableFuture.completedFuture(new SimulatedTransport(good.left())))
                .toCompletableFuture();

        link.left().onReceive(b -> { });
        link.left().send(MseCrypto.newKeyPair(new SplittableRandom(1)).publicKey());
        for (int i = 0; i < 300; i++) {
            link.left().send(new byte[1024]);
        }
        s.runFor(Duration.ofSeconds(2));
        assertThat(SimulatedPeers.cause(flooded)).isInstanceOf(MseException.Flood.class)
                .hasMessageContaining(String.valueOf(Connection.MAX_PENDING_BYTES));
        assertThat(link.right().isOpen()).isFalse();
        assertThat(goodResult.join().encrypted()).isTrue();
        assertThat(goodInitiator.join().encrypted()).isTrue();
        // releasing the held step afterwards does not revive the failed connection
        while (!held.held.isEmpty()) {
            held.held.poll().run();
        }
        s.runFor(Duration.ofSeconds(1));
        assertThat(link.left().bytesReceived()).isZero();
    }

    @Test
    void connect_responderNeverAnswers_failsHandshakeTimeoutOnTheVirtualClock() {
        DeterministicScheduler s = new DeterministicScheduler(3);
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults());
        link.right().onReceive(b -> { });
        CompletableFuture<MseSession> out = new MseConnector(guard, MseConfig.of(EncryptionPolicy.PREFER, SimulatedPeers.PEER_A)
                .withRandom(s.random()).withHandshakeTimeout(TIMEOUT))
                .connect(SimulatedPeers.INFO_HASH, () -> CompletableFuture.completedFuture(new SimulatedTransport(link.left())))
                .toCompletableFuture();
        s.runFor(TIMEOUT.minusMillis(1));
        assertThat(out).isNotDone();
        s.runFor(Duration.ofMillis(2));
        assertThat(SimulatedPeers.cause(out)).isInstanceOf(MseException.HandshakeTimeout.class)
                .hasMessageContaining("I_AWAIT_YB");
        assertThat(link.left().isOpen()).isFalse();
    }

    @Test
    void connect_dialFails_reportsTransportFailed() {
        DeterministicScheduler s = new DeterministicScheduler(3);
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
        CompletableFuture<MseSession> out = new MseConnector(guard, MseConfig.of(EncryptionPolicy.PREFER, SimulatedPeers.PEER_A)
                .withRandom(s.random()))
                .connect(SimulatedPeers.INFO_HASH, () -> CompletableFuture.failedFuture(new java.io.IOException("refused")))
                .toCompletableFuture();
        s.runUntilIdle();
        assertThat(SimulatedPeers.cause(out)).isInstanceOf(MseException.TransportFailed.class).hasMessageContaining("refused");
    }
}
