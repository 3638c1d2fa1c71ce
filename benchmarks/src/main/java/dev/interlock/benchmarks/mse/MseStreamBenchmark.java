package dev.interlock.benchmarks.mse;

import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.MseSession;
import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.Arrays;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Payload throughput of an established MSE session, beside its floor: BouncyCastle's {@link RC4Engine} on the same
 * write size, measured in the same run. One benchmark operation is ONE BYTE ({@code @OperationsPerInvocation} =
 * {@value #WRITE} per 16 KiB write), so the score in ops/s is bytes/s and its "M" figure is MB/s (10^6 bytes).
 *
 * <ul>
 *   <li>{@code rc4SessionMemory} / {@code rc4SessionTcp}: the initiator's {@link MseSession#send} of 16 KiB writes
 *       (RC4 encryption on the sending thread), through an in-memory pipe or loopback TCP, to the responder's lane
 *       (RC4 decryption) and its receive handler, which counts the bytes. Flow control: at most {@value #WINDOW}
 *       writes in flight (128 KiB, below the connection's 256 KiB limit of bytes waiting in its lane); a write waits
 *       for the window, so the figure is delivered bytes, not bytes queued.
 *   <li>{@code plainSessionMemory} / {@code plainSessionTcp}: the same path with the MSE plaintext crypto method
 *       (obfuscated handshake, payload in the clear): the cost of everything but RC4.
 *   <li>{@code rc4Engine}: one {@code RC4Engine.processBytes} over 16 KiB in place: one direction's keystream.
 *   <li>{@code rc4EncryptDecrypt}: encrypt then decrypt 16 KiB with two RC4 engines keyed alike: the RC4 work a
 *       session does per byte (the sender encrypts, the receiver decrypts), i.e. the stream's floor.
 * </ul>
 * Which floor applies: a session encrypts on the sending thread and decrypts on the receiver's lane, so with two free
 * cores the two passes overlap and the bound is {@code rc4Engine} (one pass); on one core it is
 * {@code rc4EncryptDecrypt} (both passes in series). A session figure between the two means the pipeline overlaps
 * partly; its distance below {@code rc4Engine} is the cost of copies, lane hand-offs and the transport.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class MseStreamBenchmark {

    /** Bytes per write. */
    static final int WRITE = 16 * 1024;
    /** Writes in flight at most (sent, not yet delivered to the receive handler). */
    static final int WINDOW = 8;

    private final byte[] buffer = new byte[WRITE];
    private RC4Engine encrypt;
    private RC4Engine decrypt;

    @Setup
    public void setUp() {
        new SplittableRandom(42).nextBytes(buffer);
        byte[] key = new byte[20]; // MSE keys RC4 with a 20-byte SHA-1 digest
        new SplittableRandom(7).nextBytes(key);
        encrypt = keyed(key);
        decrypt = keyed(key);
    }

    /** An RC4 engine as plugin-mse keys it: the first 1024 keystream bytes discarded. */
    private static RC4Engine keyed(byte[] key) {
        RC4Engine engine = new RC4Engine();
        engine.init(true, new KeyParameter(key));
        byte[] drop = new byte[1024];
        engine.processBytes(drop, 0, drop.length, drop, 0);
        return engine;
    }

    /**
     * One established session pair; the initiator sends, the responder's handler counts what it receives and opens
     * the window again per {@value #WRITE} bytes delivered.
     */
    public abstract static class Stream {
        private final byte[] payload = new byte[WRITE];
        private final Semaphore window = new Semaphore(WINDOW);
        private LocalPeers peers;
        private LocalPeers.Pair pair;
        // confined to the responder's lane (its receive handler runs there, one chunk at a time)
        private long received;
        private long released;
        private volatile boolean corrupted;

        abstract LocalPeers peers();

        abstract LocalPeers.Pair connect(LocalPeers p) throws Exception;

        abstract Optional<CryptoMethod> method();

        @Setup
        public void setUp() throws Exception {
            new SplittableRandom(42).nextBytes(payload);
            peers = peers();
            pair = connect(peers);
            LocalPeers.check(pair, method());
            pair.responder().onReceive(chunk -> {
                if (received < WRITE) { // the first write: check that what arrives is what was sent
                    int n = (int) Math.min(chunk.length, WRITE - received);
                    if (!Arrays.equals(chunk, 0, n, payload, (int) received, (int) received + n)) {
                        corrupted = true;
                    }
                }
                received += chunk.length;
                int writes = (int) ((received - released) / WRITE);
                if (writes > 0) {
                    released += (long) writes * WRITE;
                    window.release(writes);
                }
            });
            write();
            drain();
            if (corrupted) {
                throw new IllegalStateException("the responder received different bytes than the initiator sent");
            }
        }

        void write() throws InterruptedException {
            if (!window.tryAcquire(LocalPeers.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("no write was delivered within " + LocalPeers.WAIT
                        + "; the session is stuck or closed");
            }
            pair.initiator().send(payload);
        }

        /** Lets every write in flight arrive, so that no iteration inherits the previous one's backlog. */
        @TearDown(Level.Iteration)
        public void drain() throws InterruptedException {
            if (!window.tryAcquire(WINDOW, LocalPeers.WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("writes still in flight after " + LocalPeers.WAIT);
            }
            window.release(WINDOW);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            pair.close();
            peers.close();
        }
    }

    @State(Scope.Benchmark)
    public static class Rc4Memory extends Stream {
        @Override
        LocalPeers peers() {
            return LocalPeers.rc4();
        }

        @Override
        LocalPeers.Pair connect(LocalPeers p) throws Exception {
            return p.connectMemory();
        }

        @Override
        Optional<CryptoMethod> method() {
            return Optional.of(CryptoMethod.RC4);
        }
    }

    @State(Scope.Benchmark)
    public static class Rc4Tcp extends Stream {
        @Override
        LocalPeers peers() {
            return LocalPeers.rc4();
        }

        @Override
        LocalPeers.Pair connect(LocalPeers p) throws Exception {
            return p.connectTcp();
        }

        @Override
        Optional<CryptoMethod> method() {
            return Optional.of(CryptoMethod.RC4);
        }
    }

    @State(Scope.Benchmark)
    public static class PlainMemory extends Stream {
        @Override
        LocalPeers peers() {
            return LocalPeers.plaintext();
        }

        @Override
        LocalPeers.Pair connect(LocalPeers p) throws Exception {
            return p.connectMemory();
        }

        @Override
        Optional<CryptoMethod> method() {
            return Optional.of(CryptoMethod.PLAINTEXT);
        }
    }

    @State(Scope.Benchmark)
    public static class PlainTcp extends Stream {
        @Override
        LocalPeers peers() {
            return LocalPeers.plaintext();
        }

        @Override
        LocalPeers.Pair connect(LocalPeers p) throws Exception {
            return p.connectTcp();
        }

        @Override
        Optional<CryptoMethod> method() {
            return Optional.of(CryptoMethod.PLAINTEXT);
        }
    }

    @Benchmark
    @OperationsPerInvocation(WRITE)
    public void rc4SessionMemory(Rc4Memory s) throws InterruptedException {
        s.write();
    }

    @Benchmark
    @OperationsPerInvocation(WRITE)
    public void rc4SessionTcp(Rc4Tcp s) throws InterruptedException {
        s.write();
    }

    @Benchmark
    @OperationsPerInvocation(WRITE)
    public void plainSessionMemory(PlainMemory s) throws InterruptedException {
        s.write();
    }

    @Benchmark
    @OperationsPerInvocation(WRITE)
    public void plainSessionTcp(PlainTcp s) throws InterruptedException {
        s.write();
    }

    @Benchmark
    @OperationsPerInvocation(WRITE)
    public byte rc4Engine() {
        encrypt.processBytes(buffer, 0, WRITE, buffer, 0);
        return buffer[WRITE - 1];
    }

    @Benchmark
    @OperationsPerInvocation(WRITE)
    public byte rc4EncryptDecrypt() {
        encrypt.processBytes(buffer, 0, WRITE, buffer, 0);
        decrypt.processBytes(buffer, 0, WRITE, buffer, 0);
        return buffer[WRITE - 1];
    }
}
