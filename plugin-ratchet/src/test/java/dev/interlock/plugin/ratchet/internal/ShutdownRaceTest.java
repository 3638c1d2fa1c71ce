package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.ratchet.ChannelClosedException;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.Side;
import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.LinkOptions;
import dev.interlock.testkit.RaceHarness;
import dev.interlock.testkit.SimulatedLink;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 001 fix #3 over many seeds: a close or a link reset at a random instant in the middle of rekeys and traffic.
 * Every waiter completes with a version or a {@link ChannelClosedException} (never a timeout, never anything else),
 * no background task throws (the scheduler would report it), and both channels end terminal with nothing pending.
 */
class ShutdownRaceTest {

    static final int SEEDS = Integer.getInteger("ratchet.race.seeds", 1000);

    @Test
    void closeOrResetMidRekey_everyWaiterCompletesAndNoTaskThrows() {
        RaceHarness.explore("ratchet shutdown mid-rekey", 1, SEEDS, ShutdownRaceTest::scenario).assertClean();
    }

    private static void scenario(DeterministicScheduler s) {
        RandomGenerator random = s.random();
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(random));
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
        RatchetOptions options = RatchetOptions.defaults().withWindow(3);
        TestKem kem = new TestKem();
        int maxFrame = options.maxFrameLength(kem);
        SimulatedLinkTransport left = new SimulatedLinkTransport(link.left(), maxFrame);
        SimulatedLinkTransport right = new SimulatedLinkTransport(link.right(), maxFrame);
        RatchetChannel a = RatchetChannel.builder(guard).name("A").side(Side.INITIATOR).sessionSecret(ChannelPair.SECRET)
                .transport(left).keyExchange(kem).options(options).open();
        RatchetChannel b = RatchetChannel.builder(guard).name("B").side(Side.RESPONDER).sessionSecret(ChannelPair.SECRET)
                .transport(right).keyExchange(kem).options(options).open();
        RatchetChannel[] sides = {a, b};
        List<CompletionStage<?>> stages = new ArrayList<>();
        int operations = random.nextInt(5, 40);
        for (int i = 0; i < operations; i++) {
            RatchetChannel side = sides[random.nextInt(2)];
            boolean rekey = random.nextInt(3) == 0;
            s.schedule(() -> stages.add(rekey ? side.triggerRekey() : side.send(new byte[] {1, 2, 3})),
                    Duration.ofNanos(random.nextLong(0, 20_000_000)));
        }
        int how = random.nextInt(4);
        s.schedule(() -> {
            switch (how) {
                case 0 -> a.close();
                case 1 -> b.close();
                case 2 -> left.reset();
                default -> right.reset();
            }
        }, Duration.ofNanos(random.nextLong(0, 20_000_000)));
        s.runUntilIdle();
        for (CompletionStage<?> stage : stages) {
            CompletableFuture<?> f = stage.toCompletableFuture();
            assertThat(f).as("every waiter completes").isDone();
            if (f.isCompletedExceptionally()) {
                Throwable cause = f.handle((v, e) -> e).join();
                assertThat(cause).isInstanceOf(ChannelClosedException.class);
            }
        }
        for (RatchetChannel c : sides) {
            assertThat(c.closed().toCompletableFuture()).isDone();
            assertThat(c.status().state().isTerminal()).isTrue();
            assertThat(c.status().pendingExchanges()).isZero();
        }
    }
}
