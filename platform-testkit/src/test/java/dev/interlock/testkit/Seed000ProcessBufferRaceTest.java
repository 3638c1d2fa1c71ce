package dev.interlock.testkit;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.OperationQueue;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 000 (MSE handshake, {@code processBuffer}): {@code onData} appends to a buffer and calls an async step that
 * is not awaited, so a chunk arriving while the step is suspended re-enters the same state and the step runs twice
 * on the same bytes. The testkit must find that race within a fixed seed budget, and the same responder driven
 * through an {@link OperationQueue} must be clean over many seeds.
 */
class Seed000ProcessBufferRaceTest {

    /** Seeds within which the planted race must be found. */
    private static final int RACE_SEED_BUDGET = 1_000;
    /** Seeds the operation-queue version must pass. */
    private static final int CLEAN_SEEDS = 10_000;

    static final int PE1_LENGTH = 96;

    /**
     * The responder half of a two-message handshake, modelled on seed 000's MSE handshake: PE1 (a 96-byte public
     * key) needs an async key derivation, then PE3 (a length-prefixed payload) needs an async check.
     */
    static final class Responder {
        enum State { WAITING_PE1, WAITING_PE3, DONE, FAILED }

        private final DeterministicScheduler scheduler;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        State state = State.WAITING_PE1;
        int pe1Handled;
        int pe3Handled;
        byte[] pe1;
        byte[] pe3;
        Throwable failure;
        /** Chunks queued so far whose processing has not completed. */
        int chunksInLane;
        /** Chunks that arrived while an earlier chunk was still being processed: the window seed 000 races in. */
        int arrivalsWhileBusy;

        Responder(DeterministicScheduler scheduler) {
            this.scheduler = scheduler;
        }

        /** Seed 000 as written: append, then process without awaiting. */
        void onDataUnawaited(byte[] chunk) {
            buffer.writeBytes(chunk);
            processBuffer(); // returns a stage that nobody awaits: the bug
        }

        /** The fix: each chunk is one operation on a serial lane, which awaits the whole processing step. */
        void onDataQueued(OperationQueue lane, byte[] chunk) {
            if (chunksInLane++ > 0) {
                arrivalsWhileBusy++;
            }
            lane.submit(() -> {
                buffer.writeBytes(chunk);
                return processBuffer();
            }).whenComplete((ok, error) -> {
                chunksInLane--;
                if (error != null && failure == null) {
                    failure = error;
                    state = State.FAILED;
                }
            });
        }

        CompletionStage<Void> processBuffer() {
            return switch (state) {
                case WAITING_PE1 -> processPe1();
                case WAITING_PE3 -> processPe3();
                case DONE, FAILED -> CompletableFuture.completedFuture(null);
            };
        }

        private CompletionStage<Void> processPe1() {
            if (buffer.size() < PE1_LENGTH) {
                return CompletableFuture.completedFuture(null);
            }
            byte[] key = Arrays.copyOf(buffer.toByteArray(), PE1_LENGTH);
            return asyncCrypto().thenCompose(ignored -> {
                pe1Handled++;
                pe1 = key;
                consume(PE1_LENGTH);
                state = State.WAITING_PE3;
                return processBuffer();
            });
        }

        private CompletionStage<Void> processPe3() {
            if (buffer.size() < 1) {
                return CompletableFuture.completedFuture(null);
            }
            int length = buffer.toByteArray()[0] & 0xff;
            if (buffer.size() < 1 + length) {
                return CompletableFuture.completedFuture(null);
            }
            byte[] payload = Arrays.copyOfRange(buffer.toByteArray(), 1, 1 + length);
            return asyncCrypto().thenCompose(ignored -> {
                pe3Handled++;
                pe3 = payload;
                consume(1 + length);
                state = State.DONE;
                return processBuffer();
            });
        }

        /** Stands in for {@code await sha1(...)}: completes on a scheduler timer a seeded 0-2 ms later. */
        private CompletionStage<Void> asyncCrypto() {
            CompletableFuture<Void> done = new CompletableFuture<>();
            scheduler.schedule(() -> done.complete(null),
                    Duration.ofNanos(scheduler.random().nextLong(0, 2_000_001)));
            return done;
        }

        private void consume(int n) {
            byte[] all = buffer.toByteArray();
            if (all.length < n) {
                throw new IllegalStateException("consume(" + n + ") with only " + all.length + " bytes buffered in "
                        + state + ": the same message was processed twice");
            }
            buffer.reset();
            buffer.write(all, n, all.length - n);
        }
    }

    /**
     * The initiator sends PE1 and, after a seeded pause (possibly none), PE3 over a link with seeded options; the
     * responder must process each message exactly once and end in DONE with both messages intact.
     */
    private static void handshake(DeterministicScheduler s, Consumer<Responder> wire, Responder responder,
                                  SimulatedLink link) {
        byte[] pe1 = new byte[PE1_LENGTH];
        s.random().nextBytes(pe1);
        byte[] pe3 = new byte[1 + s.random().nextInt(8, 64)];
        s.random().nextBytes(pe3);
        pe3[0] = (byte) (pe3.length - 1);
        wire.accept(responder);
        link.left().send(pe1);
        s.schedule(() -> link.left().send(pe3), Duration.ofNanos(s.random().nextLong(0, 3_000_001)));
        s.runUntilIdle();
        if (responder.failure != null) {
            throw new AssertionError("responder failed", responder.failure);
        }
        assertThat(responder.pe1Handled).as("PE1 handled").isEqualTo(1);
        assertThat(responder.pe3Handled).as("PE3 handled").isEqualTo(1);
        assertThat(responder.state).isEqualTo(Responder.State.DONE);
        assertThat(responder.pe1).isEqualTo(pe1);
        assertThat(responder.pe3).isEqualTo(Arrays.copyOfRange(pe3, 1, pe3.length));
        assertThat(responder.buffer.size()).as("bytes left over").isZero();
    }

    private static void unawaitedScenario(DeterministicScheduler s) {
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(s.random()));
        Responder responder = new Responder(s);
        handshake(s, r -> link.right().onReceive(r::onDataUnawaited), responder, link);
    }

    /** Seeds of the queued scenario in which a chunk arrived while an earlier one was still being processed. */
    private static int contendedSeeds;

    private static void queuedScenario(DeterministicScheduler s) {
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(s.random()));
        Responder responder = new Responder(s);
        OperationQueue lane = ConcurrencyGuard.inJvm(s).newOperationQueue("mse-responder", 1_024);
        handshake(s, r -> link.right().onReceive(chunk -> r.onDataQueued(lane, chunk)), responder, link);
        lane.close();
        if (responder.arrivalsWhileBusy > 0) {
            contendedSeeds++;
        }
    }

    @Test
    void processBuffer_unawaitedAsyncStep_raceFoundWithinSeedBudget() {
        RaceReport report = RaceHarness.explore("seed000 processBuffer unawaited", 0, RACE_SEED_BUDGET,
                Seed000ProcessBufferRaceTest::unawaitedScenario);
        assertThat(report.firstFailingSeed()).as("the planted race is found within %d seeds", RACE_SEED_BUDGET)
                .isPresent();
        assertThat(report.failures().size()).as("the race depends on the schedule: some seeds pass")
                .isLessThan(RACE_SEED_BUDGET);
        long seed = report.firstFailingSeed().getAsLong();
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> RaceHarness.replay(seed, Seed000ProcessBufferRaceTest::unawaitedScenario))
                .as("replaying the failing seed fails again").isInstanceOf(AssertionError.class);
    }

    @Test
    void processBuffer_unawaited_sameSeedsFailOnEveryExploration() {
        RaceReport first = RaceHarness.explore("seed000 determinism 1", 0, 200,
                Seed000ProcessBufferRaceTest::unawaitedScenario);
        RaceReport second = RaceHarness.explore("seed000 determinism 2", 0, 200,
                Seed000ProcessBufferRaceTest::unawaitedScenario);
        assertThat(second.failures()).extracting(SeedFailure::seed)
                .isEqualTo(first.failures().stream().map(SeedFailure::seed).toList());
        assertThat(second.failures()).extracting(f -> rootMessage(f.cause()))
                .isEqualTo(first.failures().stream().map(f -> rootMessage(f.cause())).toList());
    }

    /** The innermost message: the scheduler's wrapper names the task, whose toString may hold an identity hash. */
    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getName() + ": " + t.getMessage();
    }

    @Test
    void processBuffer_onOperationQueue_cleanOverTenThousandSeeds() {
        contendedSeeds = 0;
        RaceReport report = RaceHarness.explore("seed000 processBuffer on OperationQueue", 0, CLEAN_SEEDS,
                Seed000ProcessBufferRaceTest::queuedScenario);
        report.assertClean();
        if (report.runs() == 1) {
            return; // replaying one seed with -Dinterlock.seed: assertClean() is the whole check
        }
        assertThat(contendedSeeds).as("seeds that hit the racy window (a chunk arriving mid-processing), so the"
                + " clean result is not vacuous").isGreaterThan(CLEAN_SEEDS / 4);
        System.out.println("seed000 on OperationQueue: " + contendedSeeds + " of " + CLEAN_SEEDS
                + " seeds had a chunk arrive while the previous one was still being processed");
    }
}
