package dev.interlock.benchmarks.ratchet;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.FrameTransport;
import dev.interlock.plugin.ratchet.RatchetChannel;
import dev.interlock.plugin.ratchet.RatchetStatus;
import dev.interlock.plugin.ratchet.Side;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Application messages per second through a ratchet channel's sealing and opening paths, beside raw JDK AES-256-GCM
 * of the same payload sizes in the same run (the floor). Multiply ops/s by {@code size} for payload bytes per second;
 * {@code scripts/benchmarks_report.py} shows that as MB/s (10^6 bytes).
 *
 * <p>Every channel is wired as in production: {@link Scheduler#virtualThreads()}, the in-JVM guards, default
 * {@link dev.interlock.plugin.ratchet.RatchetOptions}, version 0 keys derived from a random 32-byte session secret. The
 * channel's public API is {@code send} over a {@link FrameTransport} (the sealing step itself is internal), so each
 * figure includes the channel's lane (a drain task on a virtual thread runs queued operations back to back) and the
 * copy of the payload; the transports below are the cheapest that honour the contract, so that no network stack is
 * measured.
 *
 * <ul>
 *   <li>{@code channelSeal}: {@link RatchetChannel#send} of {@value #BATCH} messages, waiting for the last; frames go
 *       to a {@link TapTransport} that checks their length and drops them. Measures: payload copy, lane, AES-256-GCM
 *       seal under the newest version with the 18-byte header as AAD.
 *   <li>{@code channelOpen}: {@value #BATCH} frames sealed once per trial by an initiator are handed to a fresh
 *       responder channel (same session secret, opened before each invocation, untimed) until its message listener
 *       has seen all of them. Measures: lane, header and window checks, replay window, AES-256-GCM open, delivery.
 *       A fresh channel per invocation, because the replay window rightly rejects a frame seen before.
 *   <li>{@code channelSendToDeliver}: two channels over a {@link MemoryFrameLink}; {@value #BATCH} sends by the
 *       initiator, waiting until the responder's listener has them all. Both paths plus the (in-memory) transport.
 *   <li>{@code jdkAesGcmSeal} / {@code jdkAesGcmOpen}: one {@code AES/GCM/NoPadding} encrypt (fresh counter nonce)
 *       or decrypt of {@code size} bytes with a 256-bit key and an 18-byte AAD, reusing one {@link Cipher}, as the
 *       channel does. The floor: what sealing costs with nothing around it.
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class RatchetSealOpenBenchmark {

    /** Messages per invocation of the channel benchmarks. */
    static final int BATCH = 1024;
    /** Bytes a sealed application frame adds to its payload: the 18-byte header and the 16-byte GCM tag. */
    static final int FRAME_OVERHEAD = 18 + 16;
    /** How long a batch may take before the benchmark fails with an error (far above any real figure). */
    static final Duration WAIT = Duration.ofSeconds(30);

    private static final int TAG_BITS = 128;

    /** Payload bytes per message. */
    @Param({"64", "1024", "16384"})
    public int size;

    private final SecureRandom random = new SecureRandom();
    private ConcurrencyGuard guard;
    private byte[] sessionSecret;
    private byte[] payload;

    private TapTransport sealTap;
    private RatchetChannel sealer;
    private List<byte[]> framesToOpen;

    private RatchetChannel alice;
    private RatchetChannel bob;
    private volatile CountDownLatch bobReceived = new CountDownLatch(0);
    private volatile String wrongDelivery;

    private SecretKeySpec rawKey;
    private Cipher rawSealCipher;
    private Cipher rawOpenCipher;
    private final byte[] rawNonce = new byte[12];
    private final byte[] aad = new byte[18];
    private long rawCounter;
    private byte[] rawSealed;
    private GCMParameterSpec rawSealedSpec;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        guard = ConcurrencyGuard.inJvm(Scheduler.virtualThreads());
        sessionSecret = new byte[32];
        random.nextBytes(sessionSecret);
        payload = new byte[size];
        random.nextBytes(payload);

        sealTap = TapTransport.draining("seal", size + FRAME_OVERHEAD);
        sealer = channel("sealer", Side.INITIATOR, sealTap, m -> { });

        // The frames channelOpen feeds: BATCH messages from an initiator at version 0, counters 0..BATCH-1.
        TapTransport capture = TapTransport.capturing("capture", size + FRAME_OVERHEAD);
        RatchetChannel source = channel("source", Side.INITIATOR, capture, m -> { });
        sendBatch(source);
        framesToOpen = capture.captured();
        close(source);
        if (framesToOpen.size() != BATCH) {
            throw new IllegalStateException("captured " + framesToOpen.size() + " frames, expected " + BATCH);
        }

        MemoryFrameLink link = MemoryFrameLink.open("alice", "bob");
        alice = channel("alice", Side.INITIATOR, link.left(), m -> { });
        bob = channel("bob", Side.RESPONDER, link.right(), m -> {
            if (m.length != size) {
                wrongDelivery = "bob got a message of " + m.length + " bytes, expected " + size;
            }
            bobReceived.countDown();
        });

        byte[] keyBytes = new byte[32];
        random.nextBytes(keyBytes);
        rawKey = new SecretKeySpec(keyBytes, "AES");
        rawSealCipher = Cipher.getInstance("AES/GCM/NoPadding");
        rawOpenCipher = Cipher.getInstance("AES/GCM/NoPadding");
        random.nextBytes(aad);
        rawSealedSpec = new GCMParameterSpec(TAG_BITS, rawNonce.clone());
        rawCounter = 1;
        rawSealCipher.init(Cipher.ENCRYPT_MODE, rawKey, rawSealedSpec);
        rawSealCipher.updateAAD(aad);
        rawSealed = rawSealCipher.doFinal(payload);
        if (!Arrays.equals(jdkAesGcmOpen(), payload)) {
            throw new IllegalStateException("raw AES-GCM round trip does not give the payload back");
        }
    }

    @TearDown(Level.Iteration)
    public void checkChannels() {
        for (RatchetChannel c : List.of(sealer, alice, bob)) {
            RatchetStatus s = c.status();
            if (s.state().isTerminal() || s.rejectedFrames() != 0) {
                throw new IllegalStateException("channel " + c.name() + " is not healthy: " + s);
            }
        }
        if (wrongDelivery != null) {
            throw new IllegalStateException(wrongDelivery);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        close(sealer);
        close(alice);
        close(bob);
    }

    private RatchetChannel channel(String name, Side side, FrameTransport transport, Consumer<byte[]> onMessage) {
        return RatchetChannel.builder(guard).name(name).side(side).sessionSecret(sessionSecret).transport(transport)
                .onMessage(onMessage).open();
    }

    private Void sendBatch(RatchetChannel channel) throws Exception {
        CompletionStage<Void> last = null;
        for (int i = 0; i < BATCH; i++) {
            last = channel.send(payload);
        }
        // the lane is FIFO: the last send completing means every send before it did
        return last.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void close(RatchetChannel channel) throws Exception {
        channel.close().toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException, TimeoutException {
        if (!latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new TimeoutException(what + ": " + latch.getCount() + " of " + BATCH + " messages still missing after "
                    + WAIT);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Void channelSeal() throws Exception {
        return sendBatch(sealer);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void channelOpen(FreshReceiver receiver) throws Exception {
        for (byte[] frame : framesToOpen) {
            receiver.tap.deliver(frame);
        }
        await(receiver.delivered, "channelOpen");
        if (receiver.problem != null) {
            throw new IllegalStateException(receiver.problem);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void channelSendToDeliver() throws Exception {
        CountDownLatch received = new CountDownLatch(BATCH);
        bobReceived = received;
        for (int i = 0; i < BATCH; i++) {
            alice.send(payload);
        }
        await(received, "channelSendToDeliver");
    }

    @Benchmark
    public byte[] jdkAesGcmSeal() throws GeneralSecurityException {
        putLong(rawNonce, 4, rawCounter++);
        rawSealCipher.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(TAG_BITS, rawNonce));
        rawSealCipher.updateAAD(aad);
        return rawSealCipher.doFinal(payload);
    }

    @Benchmark
    public byte[] jdkAesGcmOpen() throws GeneralSecurityException {
        rawOpenCipher.init(Cipher.DECRYPT_MODE, rawKey, rawSealedSpec);
        rawOpenCipher.updateAAD(aad);
        return rawOpenCipher.doFinal(rawSealed);
    }

    /**
     * A responder channel opened before each {@code channelOpen} invocation (untimed) with the trial's session
     * secret, so that the captured frames are fresh to it, and closed after it.
     */
    @State(Scope.Thread)
    public static class FreshReceiver {
        TapTransport tap;
        RatchetChannel channel;
        CountDownLatch delivered;
        volatile String problem;

        @Setup(Level.Invocation)
        public void open(RatchetSealOpenBenchmark bench) {
            tap = TapTransport.draining("open", bench.size + FRAME_OVERHEAD);
            CountDownLatch latch = new CountDownLatch(BATCH);
            delivered = latch;
            problem = null;
            int size = bench.size;
            channel = RatchetChannel.builder(bench.guard).name("opener").side(Side.RESPONDER)
                    .sessionSecret(bench.sessionSecret).transport(tap)
                    .onMessage(m -> {
                        if (m.length != size) {
                            problem = "opener got a message of " + m.length + " bytes, expected " + size;
                        }
                        latch.countDown();
                    })
                    .onRejected((FrameRejectedException e) -> {
                        problem = "opener rejected a frame: " + e.getMessage();
                        while (latch.getCount() > 0) {
                            latch.countDown();
                        }
                    })
                    .open();
        }

        @TearDown(Level.Invocation)
        public void close() throws Exception {
            RatchetSealOpenBenchmark.close(channel);
        }
    }

    /** Big-endian, as the channel builds its nonce: {@code 0x00000000 || counter}. */
    private static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (56 - 8 * i));
        }
    }
}
