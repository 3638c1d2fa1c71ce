package dev.interlock.plugin.ratchet.internal;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.KeyExchange;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetOptions;
import dev.interlock.plugin.ratchet.Side;
import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.LinkOptions;
import dev.interlock.testkit.SimulatedLink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Two channels A (initiator) and B (responder) over a simulated link, each behind a {@link TappedTransport}. */
final class ChannelPair {

    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    final DeterministicScheduler s;
    final KeyExchange kex;
    final RatchetOptions options;
    final SimulatedLink link;
    final TappedTransport tapA;
    final TappedTransport tapB;
    final RatchetChannel a;
    final RatchetChannel b;
    final List<String> receivedByA = new ArrayList<>();
    final List<String> receivedByB = new ArrayList<>();
    final List<FrameRejectedException> rejectedByA = new ArrayList<>();
    final List<FrameRejectedException> rejectedByB = new ArrayList<>();

    ChannelPair(long seed, RatchetOptions options) {
        this(seed, options, new TestKem(), LinkOptions.defaults());
    }

    ChannelPair(long seed, RatchetOptions options, KeyExchange kex, LinkOptions link) {
        this.s = new DeterministicScheduler(seed);
        this.kex = kex;
        this.options = options;
        SimulatedLink simulated = SimulatedLink.open(s, link);
        this.link = simulated;
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(s);
        int maxFrame = options.maxFrameLength(kex);
        tapA = new TappedTransport(new SimulatedLinkTransport(simulated.left(), maxFrame));
        tapB = new TappedTransport(new SimulatedLinkTransport(simulated.right(), maxFrame));
        a = RatchetChannel.builder(guard).name("A").side(Side.INITIATOR).sessionSecret(SECRET).transport(tapA)
                .keyExchange(kex).options(options).onMessage(p -> receivedByA.add(text(p)))
                .onRejected(rejectedByA::add).open();
        b = RatchetChannel.builder(guard).name("B").side(Side.RESPONDER).sessionSecret(SECRET).transport(tapB)
                .keyExchange(kex).options(options).onMessage(p -> receivedByB.add(text(p)))
                .onRejected(rejectedByB::add).open();
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] payload) {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** Runs until {@code stage} is done; fails if the scheduler went idle first. */
    <T> CompletableFuture<T> await(CompletionStage<T> stage) {
        CompletableFuture<T> f = stage.toCompletableFuture();
        if (!s.runUntil(f::isDone)) {
            throw new AssertionError("scheduler went idle before the stage completed; A " + a.status() + ", B "
                    + b.status());
        }
        return f;
    }

    /** A key chain with B's secret and side, its send counter moved past what B used, to seal frames "from B". */
    KeyChain forgerAsB(int skipCounters) {
        KeyChain chain = new KeyChain(Side.RESPONDER, SECRET, options.replayWindow());
        for (int i = 0; i < skipCounters; i++) {
            chain.seal(Message.APP, new byte[0]);
        }
        return chain;
    }

    MessageCodec codec() {
        return new MessageCodec(kex.publicKeyLength(), kex.ciphertextLength(), options.maxPayload());
    }

    static byte[] flip(byte[] frame, int index) {
        byte[] copy = Arrays.copyOf(frame, frame.length);
        copy[index] ^= 0x01;
        return copy;
    }
}
