package dev.interlock.plugin.mse;

import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.LinkOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static dev.interlock.plugin.mse.EncryptionPolicy.ALLOW;
import static dev.interlock.plugin.mse.EncryptionPolicy.DISABLED;
import static dev.interlock.plugin.mse.EncryptionPolicy.PREFER;
import static dev.interlock.plugin.mse.EncryptionPolicy.REQUIRED;
import static org.assertj.core.api.Assertions.assertThat;

/** The 16 initiator/responder policy pairs of {@link EncryptionPolicy}'s matrix, over simulated links. */
class PolicyMatrixTest {

    /** Expected outcome: {@code method} null = plain BitTorrent handshake; {@code ok} false = the connect fails. */
    record Expected(boolean ok, boolean mse, CryptoMethod method, int attempts) {
        static Expected plain(int attempts) {
            return new Expected(true, false, null, attempts);
        }

        static Expected rc4(int attempts) {
            return new Expected(true, true, CryptoMethod.RC4, attempts);
        }

        static Expected rejected() {
            return new Expected(false, false, null, 0);
        }
    }

    static Expected expected(EncryptionPolicy initiator, EncryptionPolicy responder) {
        return switch (initiator) {
            case DISABLED -> responder == REQUIRED ? Expected.rejected() : Expected.plain(1);
            case ALLOW -> responder == REQUIRED ? Expected.rc4(2) : Expected.plain(1);
            case PREFER -> responder == DISABLED ? Expected.plain(2) : Expected.rc4(1);
            case REQUIRED -> responder == DISABLED ? Expected.rejected() : Expected.rc4(1);
        };
    }

    static Stream<Arguments> pairs() {
        List<Arguments> l = new ArrayList<>();
        for (EncryptionPolicy i : EncryptionPolicy.values()) {
            for (EncryptionPolicy r : EncryptionPolicy.values()) {
                l.add(Arguments.of(i, r));
            }
        }
        return l.stream();
    }

    /**
     * Runs one connect for the pair, exchanges payload both ways and checks everything against {@link #expected}.
     * Used by the race test for every seed.
     */
    static void runPair(DeterministicScheduler s, EncryptionPolicy initiator, EncryptionPolicy responder, LinkOptions link) {
        SimulatedPeers peers = new SimulatedPeers(s, initiator, responder, link);
        CompletableFuture<MseSession> out = peers.connect();
        s.runUntilIdle();
        Expected e = expected(initiator, responder);
        assertThat(out).as("%s -> %s", initiator, responder).isDone();
        if (!e.ok()) {
            assertThat(SimulatedPeers.cause(out)).as("%s -> %s", initiator, responder)
                    .isInstanceOf(MseException.PeerClosed.class);
            assertThat(SimulatedPeers.cause(peers.accepted.getFirst())).isInstanceOf(MseException.PolicyRejected.class);
            assertThat(peers.accepted).hasSize(1);
            return;
        }
        assertThat(SimulatedPeers.cause(out)).as("%s -> %s failure", initiator, responder).isNull();
        MseSession a = out.join();
        assertThat(peers.accepted).hasSize(e.attempts());
        for (int i = 0; i < e.attempts() - 1; i++) {
            assertThat(SimulatedPeers.cause(peers.accepted.get(i))).isInstanceOf(MseException.PolicyRejected.class);
        }
        CompletableFuture<MseSession> bf = peers.accepted.getLast();
        assertThat(SimulatedPeers.cause(bf)).isNull();
        MseSession b = bf.join();
        assertThat(a.attempts()).isEqualTo(e.attempts());
        assertThat(a.obfuscated()).isEqualTo(e.mse());
        assertThat(b.obfuscated()).isEqualTo(e.mse());
        assertThat(a.method()).isEqualTo(java.util.Optional.ofNullable(e.method()));
        assertThat(b.method()).isEqualTo(java.util.Optional.ofNullable(e.method()));
        assertThat(a.remotePeerId()).isEqualTo(SimulatedPeers.PEER_B);
        assertThat(b.remotePeerId()).isEqualTo(SimulatedPeers.PEER_A);
        assertThat(b.infoHash()).isEqualTo(SimulatedPeers.INFO_HASH);

        // payload both ways over the same streams, in random-sized pieces
        ByteArrayOutputStream atB = new ByteArrayOutputStream();
        ByteArrayOutputStream atA = new ByteArrayOutputStream();
        b.onReceive(atB::writeBytes);
        a.onReceive(atA::writeBytes);
        byte[] ab = new byte[1 + s.random().nextInt(3000)];
        byte[] ba = new byte[1 + s.random().nextInt(3000)];
        s.random().nextBytes(ab);
        s.random().nextBytes(ba);
        int cut = s.random().nextInt(ab.length);
        a.send(java.util.Arrays.copyOfRange(ab, 0, cut));
        b.send(ba);
        a.send(java.util.Arrays.copyOfRange(ab, cut, ab.length));
        s.runUntilIdle();
        assertThat(atB.toByteArray()).isEqualTo(ab);
        assertThat(atA.toByteArray()).isEqualTo(ba);
        if (e.method() == CryptoMethod.RC4) {
            // what crossed the link is not the plaintext
            assertThat(peers.links.getLast().left().bytesSent()).isGreaterThan(ab.length);
        }
        a.close();
        b.close();
        s.runUntilIdle();
    }

    @ParameterizedTest(name = "{0} initiator, {1} responder")
    @MethodSource("pairs")
    void connect_policyPair_matchesDocumentedMatrix(EncryptionPolicy initiator, EncryptionPolicy responder) {
        for (long seed = 1; seed <= 5; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            runPair(s, initiator, responder, LinkOptions.randomized(s.random()));
        }
    }

    @Test
    void connect_preferInitiatorPreferResponder_shouldEncrypt() {
        DeterministicScheduler s = new DeterministicScheduler(0);
        SimulatedPeers peers = new SimulatedPeers(s, PREFER, PREFER, LinkOptions.defaults());
        CompletableFuture<MseSession> out = peers.connect();
        s.runUntilIdle();
        assertThat(out.join().encrypted()).isTrue();
        assertThat(out.join().method()).contains(CryptoMethod.RC4);
        assertThat(peers.accepted.getFirst().join().encrypted()).isTrue();
    }

    @Test
    void connect_preferRejectedByDisabled_retriesPlainOnNewConnection() {
        DeterministicScheduler s = new DeterministicScheduler(0);
        SimulatedPeers peers = new SimulatedPeers(s, PREFER, DISABLED, LinkOptions.defaults());
        CompletableFuture<MseSession> out = peers.connect();
        s.runUntilIdle();
        assertThat(out.join().encrypted()).isFalse();
        assertThat(peers.links).hasSize(2);
        assertThat(peers.links.getFirst().left().isOpen()).isFalse();
    }

    @Test
    void connect_allowRejectedByRequired_retriesMseOnNewConnection() {
        DeterministicScheduler s = new DeterministicScheduler(0);
        SimulatedPeers peers = new SimulatedPeers(s, ALLOW, REQUIRED, LinkOptions.defaults());
        CompletableFuture<MseSession> out = peers.connect();
        s.runUntilIdle();
        assertThat(out.join().encrypted()).isTrue();
        assertThat(out.join().attempts()).isEqualTo(2);
        assertThat(peers.links).hasSize(2);
    }

    @ParameterizedTest(name = "{0} initiator, {1} responder")
    @MethodSource("pairs")
    void connect_byteAtATimeLink_matchesDocumentedMatrix(EncryptionPolicy initiator, EncryptionPolicy responder) {
        DeterministicScheduler s = new DeterministicScheduler(17);
        runPair(s, initiator, responder, LinkOptions.defaults().withChunkSizes(1, 1));
    }

    @ParameterizedTest(name = "{0} initiator, {1} responder")
    @MethodSource("pairs")
    void connect_wholeSendsAsOneChunk_matchesDocumentedMatrix(EncryptionPolicy initiator, EncryptionPolicy responder) {
        DeterministicScheduler s = new DeterministicScheduler(18);
        runPair(s, initiator, responder, LinkOptions.defaults().withChunkSizes(LinkOptions.MAX_CHUNK_LIMIT,
                LinkOptions.MAX_CHUNK_LIMIT).withJitter(java.time.Duration.ZERO));
    }

    @Test
    void accept_twoTorrents_findsTheOneEachInitiatorMeant() {
        DeterministicScheduler s = new DeterministicScheduler(4);
        SimulatedPeers peers = new SimulatedPeers(s, REQUIRED, REQUIRED, LinkOptions.randomized(s.random()));
        CompletableFuture<MseSession> first = peers.connect();
        CompletableFuture<MseSession> second = peers.connector.connect(SimulatedPeers.OTHER_HASH, peers.dialer())
                .toCompletableFuture();
        s.runUntilIdle();
        assertThat(first.join().infoHash()).isEqualTo(SimulatedPeers.INFO_HASH);
        assertThat(second.join().infoHash()).isEqualTo(SimulatedPeers.OTHER_HASH);
        assertThat(peers.accepted.get(0).join().infoHash()).isEqualTo(SimulatedPeers.INFO_HASH);
        assertThat(peers.accepted.get(1).join().infoHash()).isEqualTo(SimulatedPeers.OTHER_HASH);
    }
}
