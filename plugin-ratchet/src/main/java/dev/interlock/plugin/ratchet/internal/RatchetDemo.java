package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.ratchet.FrameTransports;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.RatchetStatus;
import dev.interlock.plugin.ratchet.Side;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The ratchet plugin's demo, seed 001's scenario for real: two channels over a loopback TCP connection, with the
 * plugin's injected key exchange (hybrid ML-KEM-768 + X25519), rekey SIMULTANEOUSLY for {@value #DEFAULT_ROUNDS}
 * rounds (both call {@code triggerRekey()} at once, every round) while application messages flow both ways, with a
 * small key window ({@value #WINDOW} versions) so that Truncate runs too.
 *
 * <p>Invariants: no round exceeds its bound (the deadlock of the seed), both ends hold at most one pending exchange
 * after each round (the stale-constructor leak of the seed), the versions agree at the end, and every message arrives
 * exactly once, in order. Releases everything: both channels closed (the responder sees the initiator's graceful
 * close after draining every frame), sockets closed.
 */
public final class RatchetDemo implements DemoScenario {

    /** Rekey rounds run by the plugin's demo. */
    static final int DEFAULT_ROUNDS = 30;
    /** Messages each side sends per round, while the round's rekeys are in flight. */
    static final int MESSAGES_PER_ROUND = 10;
    /** Key versions kept (the reference's debug window), so that rounds also truncate. */
    static final int WINDOW = 6;
    /** The default bound on one round (both rekeys). */
    static final Duration DEFAULT_ROUND_BOUND = Duration.ofSeconds(5);
    /** The bound on connecting, on the final drain of messages and on each close. */
    static final Duration SETUP_BOUND = Duration.ofSeconds(5);

    private final int rounds;
    private final Duration roundBound;

    /** The plugin's demo: {@value #DEFAULT_ROUNDS} rounds, each bounded by 5 s. */
    public RatchetDemo() {
        this(DEFAULT_ROUNDS, DEFAULT_ROUND_BOUND);
    }

    RatchetDemo(int rounds, Duration roundBound) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1, was " + rounds);
        }
        this.rounds = rounds;
        this.roundBound = Objects.requireNonNull(roundBound, "roundBound");
    }

    @Override
    public String description() {
        return "two endpoints over loopback TCP rekey simultaneously (ML-KEM-768 + X25519) for " + rounds
                + " rounds while messaging both ways";
    }

    @Override
    public DemoResult run(PluginContext context, Consumer<String> progress) throws Exception {
        Scheduler scheduler = context.scheduler();
        ConcurrencyGuard guard = context.guard();
        KeyExchange kex = context.instance(KeyExchange.class);
        RatchetOptions options = RatchetPlugin.optionsFrom(context.config()).withWindow(WINDOW)
                .withRekeyTimeout(SETUP_BOUND.multipliedBy(2));
        int maxFrame = options.maxFrameLength(kex);
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);

        List<String> atInitiator = new CopyOnWriteArrayList<>();
        List<String> atResponder = new CopyOnWriteArrayList<>();
        Semaphore delivered = new Semaphore(0);
        RatchetChannel initiator = null;
        RatchetChannel responder = null;
        Socket initiatorSocket = null;
        Socket responderSocket = null;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = new CompletableFuture<>();
            scheduler.execute(() -> {
                try {
                    accepted.complete(server.accept());
                } catch (IOException | RuntimeException e) {
                    accepted.completeExceptionally(e);
                }
            });
            initiatorSocket = new Socket(server.getInetAddress(), server.getLocalPort());
            responderSocket = accepted.get(SETUP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            progress.accept("connected over " + initiatorSocket.getLocalSocketAddress() + " -> "
                    + initiatorSocket.getRemoteSocketAddress() + ", key exchange " + kex.name());
            initiator = RatchetChannel.builder(guard).name("demo-initiator").side(Side.INITIATOR)
                    .sessionSecret(secret).keyExchange(kex).options(options)
                    .transport(FrameTransports.tcp(initiatorSocket, scheduler, maxFrame, 4096))
                    .onMessage(p -> {
                        atInitiator.add(new String(p, StandardCharsets.UTF_8));
                        delivered.release();
                    }).open();
            responder = RatchetChannel.builder(guard).name("demo-responder").side(Side.RESPONDER)
                    .sessionSecret(secret).keyExchange(kex).options(options)
                    .transport(FrameTransports.tcp(responderSocket, scheduler, maxFrame, 4096))
                    .onMessage(p -> {
                        atResponder.add(new String(p, StandardCharsets.UTF_8));
                        delivered.release();
                    }).open();

            int timedOut = 0;
            int roundsRun = 0;
            int maxPending = 0;
            int advanced = 0;
            long previous = 0;
            for (int round = 0; round < rounds; round++) {
                roundsRun++;
                for (int i = round * MESSAGES_PER_ROUND; i < (round + 1) * MESSAGES_PER_ROUND; i++) {
                    initiator.send(("i" + i).getBytes(StandardCharsets.UTF_8));
                    responder.send(("r" + i).getBytes(StandardCharsets.UTF_8));
                }
                // Both sides rekey at once, with messages in flight: seed 001's race.
                CompletableFuture<Long> fromInitiator = initiator.triggerRekey().toCompletableFuture();
                CompletableFuture<Long> fromResponder = responder.triggerRekey().toCompletableFuture();
                long deadline = scheduler.nanoTime() + roundBound.toNanos();
                try {
                    long a = fromInitiator.get(roundBound.toNanos(), TimeUnit.NANOSECONDS);
                    long b = fromResponder.get(Math.max(0, deadline - scheduler.nanoTime()), TimeUnit.NANOSECONDS);
                    long reached = Math.max(a, b);
                    advanced += reached > previous ? 1 : 0;
                    previous = Math.max(previous, reached);
                } catch (TimeoutException e) {
                    timedOut++;
                    progress.accept("round " + (round + 1) + " did not complete within " + roundBound.toMillis()
                            + " ms; stopping");
                    break;
                }
                maxPending = Math.max(maxPending, Math.max(initiator.status().pendingExchanges(),
                        responder.status().pendingExchanges()));
                if ((round + 1) % 10 == 0 || round + 1 == rounds) {
                    progress.accept("round " + (round + 1) + "/" + rounds + ": version " + previous + ", window "
                            + initiator.status().earliest() + ".." + initiator.status().latest() + ", stale "
                            + (initiator.status().staleMessages() + responder.status().staleMessages()));
                }
            }
            boolean drained = delivered.tryAcquire(2 * roundsRun * MESSAGES_PER_ROUND, SETUP_BOUND.toMillis(),
                    TimeUnit.MILLISECONDS);
            progress.accept("messages " + (drained ? "all delivered" : "NOT all delivered") + "; closing");

            // Graceful close: the responder processes every frame sent before the close, then closes too.
            initiator.close().toCompletableFuture().get(SETUP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            responder.closed().toCompletableFuture().get(SETUP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            RatchetStatus a = initiator.status();
            RatchetStatus b = responder.status();

            Counts toResponder = counts(atResponder, "i", roundsRun * MESSAGES_PER_ROUND);
            Counts toInitiator = counts(atInitiator, "r", roundsRun * MESSAGES_PER_ROUND);
            return new DemoResult(roundsRun + " simultaneous rekey rounds (" + advanced + " advanced, version "
                    + a.latest() + "), " + (atInitiator.size() + atResponder.size()) + " messages, window " + WINDOW,
                    List.of(
                            DemoResult.Invariant.expect("rounds timed out", 0, timedOut),
                            DemoResult.Invariant.expect("rounds run", rounds, roundsRun),
                            DemoResult.Invariant.expect("versions equal", "yes",
                                    a.latest() == b.latest() && a.latest() >= 1 ? "yes"
                                            : "no (" + a.latest() + " vs " + b.latest() + ")"),
                            new DemoResult.Invariant("pending exchanges after round (limit 1)", "max " + maxPending,
                                    maxPending <= 1),
                            DemoResult.Invariant.expect("messages lost/duplicated", "0/0",
                                    (toResponder.lost + toInitiator.lost) + "/"
                                            + (toResponder.duplicated + toInitiator.duplicated)),
                            DemoResult.Invariant.expect("messages in send order", "yes",
                                    toResponder.ordered && toInitiator.ordered ? "yes" : "no"),
                            DemoResult.Invariant.expect("frames rejected", 0L,
                                    a.rejectedFrames() + b.rejectedFrames())));
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
            closeQuietly(initiator, responder);
            for (Socket s : new Socket[] {initiatorSocket, responderSocket}) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** What arrived of {@code expected} messages {@code prefix0..}: lost, duplicated, in order. */
    record Counts(int lost, int duplicated, boolean ordered) {
    }

    static Counts counts(List<String> delivered, String prefix, int expected) {
        List<String> want = new ArrayList<>(expected);
        for (int i = 0; i < expected; i++) {
            want.add(prefix + i);
        }
        Set<String> seen = new HashSet<>();
        int duplicated = 0;
        for (String m : delivered) {
            if (!seen.add(m)) {
                duplicated++;
            }
        }
        int lost = 0;
        for (String m : want) {
            if (!seen.contains(m)) {
                lost++;
            }
        }
        return new Counts(lost, duplicated, delivered.equals(want.subList(0, Math.min(want.size(),
                delivered.size()))) && delivered.size() == want.size());
    }

    private static void closeQuietly(RatchetChannel... channels) throws InterruptedException {
        for (RatchetChannel c : channels) {
            if (c != null) {
                try {
                    c.close().toCompletableFuture().get(SETUP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
                } catch (ExecutionException | TimeoutException e) {
                    // the demo's result (or exception) already says what went wrong
                }
            }
        }
    }
}
