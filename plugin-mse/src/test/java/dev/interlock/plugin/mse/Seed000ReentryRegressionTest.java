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
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 000: {@code processBuffer} called async handlers without awaiting them, so data that arrived while a handler
 * was computing (key derivation) re-entered the same handler. Here the responder's Diffie-Hellman step is held
 * while the initiator's PadA, req1, req2^req3 and encrypted part trickle in one byte per chunk: they must wait in the
 * lane, and after the step is released each byte is processed exactly once.
 */
class Seed000ReentryRegressionTest {

    /** An executor whose tasks run only when the test releases them. */
    static final class HeldExecutor implements Executor {
        final ArrayDeque<Runnable> held = new ArrayDeque<>();

        @Override
        public void execute(Runnable command) {
            held.add(command);
        }
    }

    @Test
    void processBuffer_dataArrivesWhileKeyDerivationRuns_queuedAndProcessedOnce() {
        for (long seed = 0; seed < 50; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withChunkSizes(1, 1));
            HeldExecutor held = new HeldExecutor();
            HandshakeEngine.Config responderConfig = new HandshakeEngine.Config(HandshakeEngine.Role.RESPONDER,
                    Set.of(), EncryptionPolicy.PREFER, null,
                    Map.of(HexFormat.of().formatHex(MseCrypto.hash("req2", SimulatedPeers.INFO_HASH)), SimulatedPeers.INFO_HASH),
                    SimulatedPeers.PEER_B, new byte[8], true, 68, s.random(), held);
            Connection responder = new Connection(guard, new SimulatedTransport(link.right()), responderConfig,
                    Duration.ofSeconds(30), s.nanoTime(), 1);
            CompletableFuture<MseSession> b = responder.start().toCompletableFuture();
            MseConnector connector = new MseConnector(guard, MseConfig.of(EncryptionPolicy.PREFER, SimulatedPeers.PEER_A)
                    .withRandom(s.random()));
            CompletableFuture<MseSession> a = connector
                    .connectOnce(SimulatedPeers.INFO_HASH, EncryptionPolicy.PREFER.outgoingAttempts().getFirst(),
                            new SimulatedTransport(link.left())).toCompletableFuture();

            s.runFor(Duration.ofSeconds(5)); // not runUntilIdle: that would jump to the 30 s handshake timeout
            // the responder's DH step is held: it has sent nothing, and the lane holds the bytes behind Ya
            assertThat(held.held).hasSize(1);
            assertThat(link.right().bytesSent()).isZero();
            long receivedWhileHeld = link.right().bytesReceived();
            assertThat(receivedWhileHeld).isGreaterThanOrEqualTo(96);
            assertThat(b).isNotDone();
            // ...and they wait in the lane, behind the running step, instead of re-entering the engine
            assertThat(responder.queuedInputs()).isEqualTo((int) (receivedWhileHeld - 96));

            while (!held.held.isEmpty()) {
                held.held.poll().run();
                s.runFor(Duration.ofSeconds(5));
            }
            assertThat(a.join().encrypted()).isTrue();
            assertThat(b.join().encrypted()).isTrue();
            assertThat(responder.queuedInputs()).isZero();
            assertThat(b.join().remotePeerId()).isEqualTo(SimulatedPeers.PEER_A);
            assertThat(a.join().remotePeerId()).isEqualTo(SimulatedPeers.PEER_B);
        }
    }
}
