package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.RatchetStatus;
import dev.interlock.plugin.ratchet.RekeyState;
import dev.interlock.plugin.ratchet.Side;
import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.LinkOptions;
import dev.interlock.testkit.SimulatedLink;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.random.RandomGenerator;

/**
 * The reference's rekey race ("racy with random start lag", "contentious", "one at a time"), on the testkit's
 * deterministic scheduler: two channels over a simulated link with seeded latency, jitter and re-chunking, driven
 * for a number of rounds. Used by the race tests and by {@code interlock ratchet soak}.
 *
 * <p>Per round: both sides call {@code triggerRekey()} (RANDOM_LAG: one of them, chosen at random, after
 * {@code minDelay + rand[0, 4 ms]}; CONTENTIOUS: both at the same instant, order chosen by the scheduler;
 * ONE_AT_A_TIME: one side only, chosen at random), while both sides send application messages (one at the round's start,
 * one at a random instant inside it, and, half the time, one piggy-backed on the trigger). The round ends when both
 * stages completed. Checked, stricter than the reference: no stage fails or times out (the scheduler may not go idle
 * with a waiter left), both sides are IDLE on the same version with the same completed version, neither holds more
 * than one pending exchange (in fact none), the version advanced (exactly one step in ONE_AT_A_TIME), every stage
 * returned a version of this round, and no inbound frame was rejected. At the end every application message has
 * been delivered exactly once, in order, and both channels close cleanly (every waiter completed, no task threw).
 */
public final class RekeyRace {

    /** How the two sides start their rekeys in a round. */
    public enum Mode {
        /** One side after {@code minDelay + rand[0, 4 ms]}. */
        RANDOM_LAG,
        /** Both at the same virtual instant. */
        CONTENTIOUS,
        /** One side only, chosen at random; every round advances exactly one version. */
        ONE_AT_A_TIME
    }

    /**
     * A race configuration.
     *
     * @param mode        how rekeys start
     * @param rounds      rounds per seed
     * @param minDelay    the fixed part of the start lag (RANDOM_LAG only)
     * @param window      the key window of both channels
     * @param keyExchange the key exchange of both channels
     */
    public record Config(Mode mode, int rounds, Duration minDelay, int window, KeyExchange keyExchange) {
        public Config {
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(minDelay, "minDelay");
            Objects.requireNonNull(keyExchange, "keyExchange");
            if (rounds < 1) {
                throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
            }
        }
    }

    /**
     * What one seed did.
     *
     * @param seed           the seed
     * @param rounds         rounds run
     * @param versionA       A's final version
     * @param versionB       B's final version
     * @param staleMessages  stale AliceToBob messages ignored (both sides)
     * @param messagesAtoB   application messages delivered A to B
     * @param messagesBtoA   application messages delivered B to A
     * @param virtualTime    virtual time the seed took
     * @param link           the link options drawn for the seed
     */
    public record Result(long seed, int rounds, long versionA, long versionB, long staleMessages, long messagesAtoB,
                         long messagesBtoA, Duration virtualTime, LinkOptions link) {
    }

    /** The first problem found, with the round and both channels' state. */
    public static final class RaceViolation extends AssertionError {
        private static final long serialVersionUID = 1L;

        RaceViolation(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final Duration MAX_RANDOM_LAG = Duration.ofMillis(4);

    private RekeyRace() {
    }

    /** Runs one seed of {@code config} on {@code s}; throws {@link RaceViolation} on the first problem. */
    public static Result run(DeterministicScheduler s, Config config) {
        return new Run(s, config).execute();
    }

    private static final class Run {
        private final DeterministicScheduler s;
        private final Config config;
        private final RandomGenerator random;
        private final LinkOptions linkOptions;
        private final RatchetChannel a;
        private final RatchetChannel b;
        private final Traffic fromA = new Traffic("A");
        private final Traffic fromB = new Traffic("B");
        private final List<Throwable> problems = new ArrayList<>();
        private int round;
        private int timedSendsPending;

        Run(DeterministicScheduler s, Config config) {
            this.s = s;
            this.config = config;
            this.random = s.random();
            this.linkOptions = LinkOptions.randomized(random);
            SimulatedLink link = SimulatedLink.open(s, linkOptions);
            ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
            RatchetOptions options = RatchetOptions.defaults().withWindow(config.window());
            int maxFrame = options.maxFrameLength(config.keyExchange());
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            this.a = channel(guard, "A", Side.INITIATOR, secret, options,
                    new SimulatedLinkTransport(link.left(), maxFrame), fromB);
            this.b = channel(guard, "B", Side.RESPONDER, secret, options,
                    new SimulatedLinkTransport(link.right(), maxFrame), fromA);
        }

        private RatchetChannel channel(ConcurrencyGuard guard, String name, Side side, byte[] secret,
                                       RatchetOptions options, SimulatedLinkTransport transport, Traffic inbound) {
            return RatchetChannel.builder(guard).name(name).side(side).sessionSecret(secret).transport(transport)
                    .keyExchange(config.keyExchange()).options(options).onMessage(inbound::receive)
                    .onRejected(this::rejected).open();
        }

        private void rejected(FrameRejectedException e) {
            problems.add(new IllegalStateException("round " + round + ": a frame was rejected", e));
        }

        Result execute() {
            for (round = 1; round <= config.rounds(); round++) {
                playRound();
            }
            boolean drained = s.runUntil(() -> timedSendsPending == 0 && fromA.delivered == fromA.sent
                    && fromB.delivered == fromB.sent);
            if (!drained) {
                throw violation("after the last round the scheduler went idle with application messages undelivered"
                        + " (A->B " + fromA.delivered + "/" + fromA.sent + ", B->A " + fromB.delivered + "/"
                        + fromB.sent + ")", null);
            }
            checkProblems();
            long versionA = a.version();
            long versionB = b.version();
            long stale = a.status().staleMessages() + b.status().staleMessages();
            CompletionStage<Void> closedA = a.close();
            CompletionStage<Void> closedB = b.closed();
            s.runUntilIdle();
            if (!closedA.toCompletableFuture().isDone() || !closedB.toCompletableFuture().isDone()) {
                throw violation("after A closed, A closed=" + closedA.toCompletableFuture().isDone() + " and B closed="
                        + closedB.toCompletableFuture().isDone() + " (B must shut down when the peer closes)", null);
            }
            if (a.status().state() != RekeyState.CLOSED || b.status().state() != RekeyState.CLOSED) {
                throw violation("after close: A " + a.status().state() + ", B " + b.status().state(), null);
            }
            return new Result(s.seed(), config.rounds(), versionA, versionB, stale, fromA.delivered, fromB.delivered,
                    s.elapsed(), linkOptions);
        }

        @SuppressWarnings("unchecked")
        private void playRound() {
            long before = a.version();
            CompletionStage<Long>[] stages = new CompletionStage[2];
            RatchetChannel[] sides = {a, b};
            Traffic[] traffic = {fromA, fromB};
            int first = random.nextInt(2);
            int second = 1 - first;
            Duration lag = switch (config.mode()) {
                case RANDOM_LAG -> config.minDelay().plusNanos(random.nextLong(0, MAX_RANDOM_LAG.toNanos() + 1));
                case CONTENTIOUS, ONE_AT_A_TIME -> Duration.ZERO;
            };
            s.execute(() -> stages[first] = trigger(sides[first], traffic[first]));
            switch (config.mode()) {
                case RANDOM_LAG -> s.schedule(() -> stages[second] = trigger(sides[second], traffic[second]), lag);
                case CONTENTIOUS -> s.execute(() -> stages[second] = trigger(sides[second], traffic[second]));
                case ONE_AT_A_TIME -> stages[second] = CompletableFuture.completedStage(before + 1);
            }
            for (int i = 0; i < 2; i++) {
                int side = i;
                s.execute(() -> traffic[side].send(sides[side]));
                Duration at = Duration.ofNanos(random.nextLong(0, lag.toNanos() + Duration.ofMillis(2).toNanos()));
                timedSendsPending++;
                s.schedule(() -> {
                    timedSendsPending--;
                    traffic[side].send(sides[side]);
                }, at);
            }
            boolean finished = s.runUntil(() -> done(stages[0]) && done(stages[1]));
            if (!finished) {
                throw violation("the scheduler went idle with a rekey waiter never completed (deadlock)", null);
            }
            for (int i = 0; i < 2; i++) {
                CompletableFuture<Long> f = stages[i].toCompletableFuture();
                if (f.isCompletedExceptionally()) {
                    Throwable cause = f.handle((v, e) -> e).join();
                    throw violation((i == 0 ? "A" : "B") + "'s triggerRekey failed: " + cause, cause);
                }
            }
            RatchetStatus sa = a.status();
            RatchetStatus sb = b.status();
            if (sa.latest() != sb.latest() || sa.completed() != sb.completed() || sa.latest() != sa.completed()) {
                throw violation("the sides ended the round on different versions", null);
            }
            if (sa.state() != RekeyState.IDLE || sb.state() != RekeyState.IDLE) {
                throw violation("a side is not IDLE at the end of the round", null);
            }
            if (sa.pendingExchanges() > 1 || sb.pendingExchanges() > 1 || sa.pendingExchanges() + sb.pendingExchanges()
                    != 0) {
                throw violation("pending exchanges survive the round (Fix #6 regression)", null);
            }
            if (sa.earliest() != sb.earliest() || sa.latest() - sa.earliest() + 1 > config.window()) {
                throw violation("the windows differ or exceed " + config.window(), null);
            }
            long after = sa.latest();
            if (after <= before || (config.mode() == Mode.ONE_AT_A_TIME && after != before + 1)) {
                throw violation("the version went from " + before + " to " + after, null);
            }
            for (int i = 0; i < 2; i++) {
                long v = stages[i].toCompletableFuture().join();
                if (v <= before || v > after) {
                    throw violation((i == 0 ? "A" : "B") + "'s triggerRekey returned version " + v
                            + ", outside this round's " + (before + 1) + ".." + after, null);
                }
            }
            checkProblems();
        }

        private CompletionStage<Long> trigger(RatchetChannel channel, Traffic traffic) {
            if (random.nextBoolean()) {
                return channel.triggerRekey(traffic.next());
            }
            return channel.triggerRekey();
        }

        private static boolean done(CompletionStage<Long> stage) {
            return stage != null && stage.toCompletableFuture().isDone();
        }

        private void checkProblems() {
            if (!problems.isEmpty()) {
                throw violation(problems.size() + " problem(s), first: " + problems.getFirst().getMessage(),
                        problems.getFirst());
            }
        }

        private RaceViolation violation(String what, Throwable cause) {
            return new RaceViolation("seed " + s.seed() + ", " + config.mode() + " min-delay "
                    + config.minDelay().toMillis() + " ms, round " + round + ": " + what + "\n  A: " + a.status()
                    + "\n  B: " + b.status() + "\n  link: " + linkOptions + ", virtual time " + s.elapsed(), cause);
        }

        /** One direction's application messages: sequence numbers, checked exactly-once and in order. */
        private final class Traffic {
            private final String sender;
            private long sent;
            private long delivered;

            Traffic(String sender) {
                this.sender = sender;
            }

            byte[] next() {
                int padding = random.nextInt(0, 48);
                ByteBuffer payload = ByteBuffer.allocate(9 + padding);
                payload.putLong(sent++).put((byte) sender.charAt(0));
                return payload.array();
            }

            void send(RatchetChannel channel) {
                channel.send(next()).whenComplete((v, e) -> {
                    if (e != null) {
                        problems.add(new IllegalStateException("round " + round + ": " + sender + " could not send",
                                e));
                    }
                });
            }

            void receive(byte[] payload) {
                ByteBuffer b = ByteBuffer.wrap(payload);
                long seq = b.getLong();
                char from = (char) b.get();
                if (from != sender.charAt(0) || seq != delivered) {
                    problems.add(new IllegalStateException("round " + round + ": message " + from + "#" + seq
                            + " arrived where " + sender + "#" + delivered + " was expected (lost, duplicated or"
                            + " reordered)"));
                }
                delivered++;
            }
        }
    }
}
