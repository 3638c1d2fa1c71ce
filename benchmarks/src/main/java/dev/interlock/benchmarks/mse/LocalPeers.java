package dev.interlock.benchmarks.mse;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseAcceptor;
import dev.interlock.plugin.mse.MseConfig;
import dev.interlock.plugin.mse.MseConnector;
import dev.interlock.plugin.mse.MseSession;
import dev.interlock.plugin.mse.MseTransport;
import dev.interlock.plugin.mse.MseTransports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Two MSE peers in one JVM, as production wires them: {@link Scheduler#virtualThreads()}, the in-JVM guards,
 * {@link MseConfig#of} (SecureRandom, 30 s handshake timeout, the BitTorrent handshake sent as IA), an
 * {@link MseConnector} (initiator, peer id {@link #PEER_A}) and an {@link MseAcceptor} (responder, peer id
 * {@link #PEER_B}) serving {@link #INFO_HASH}, with {@link #rc4()} or {@link #plaintext()} payload. Connections
 * run over a {@link MemoryPipe} or over real TCP on the loopback interface (a server socket whose accept loop runs
 * on the scheduler).
 *
 * <p>Every connect checks the outcome (both sides established, the expected crypto method, each side saw the other's
 * peer id and the info-hash): a benchmark that silently measured a failing handshake would be worthless.
 */
final class LocalPeers implements AutoCloseable {

    /** The torrent both peers use (SKEY). */
    static final byte[] INFO_HASH = filled(0x11);
    /** The initiator's 20-byte peer id. */
    static final byte[] PEER_A = filled(0x41);
    /** The responder's 20-byte peer id. */
    static final byte[] PEER_B = filled(0x42);
    /** How long one connect may take before the benchmark gives up with an error (far above any real figure). */
    static final Duration WAIT = Duration.ofSeconds(30);

    private final Scheduler scheduler = Scheduler.virtualThreads();
    private final ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
    private final MseConnector connector;
    private final MseAcceptor acceptor;
    /** Null: {@link MseConnector#connect} with the initiator's policy; else this one attempt via connectOnce. */
    private final EncryptionPolicy.Attempt attempt;
    private ServerSocket server;
    private LinkedBlockingQueue<CompletableFuture<MseSession>> accepted;

    private LocalPeers(EncryptionPolicy initiator, EncryptionPolicy responder, EncryptionPolicy.Attempt attempt) {
        this.connector = new MseConnector(guard, MseConfig.of(initiator, PEER_A));
        this.acceptor = new MseAcceptor(guard, MseConfig.of(responder, PEER_B), List.of(INFO_HASH));
        this.attempt = attempt;
    }

    /** Both peers {@code required}: MSE, RC4 selected, dialled with {@link MseConnector#connect}. */
    static LocalPeers rc4() {
        return new LocalPeers(EncryptionPolicy.REQUIRED, EncryptionPolicy.REQUIRED, null);
    }

    /**
     * MSE with the plaintext crypto method: the initiator offers only plaintext
     * ({@link MseConnector#connectOnce}), the {@code allow} responder selects it. The handshake is obfuscated, the
     * payload then travels in the clear over the same connection.
     */
    static LocalPeers plaintext() {
        return new LocalPeers(EncryptionPolicy.ALLOW, EncryptionPolicy.ALLOW,
                new EncryptionPolicy.Attempt(EnumSet.of(CryptoMethod.PLAINTEXT)));
    }

    private CompletionStage<MseSession> dial(Supplier<CompletionStage<MseTransport>> dialer) {
        if (attempt == null) {
            return connector.connect(INFO_HASH, dialer);
        }
        return dialer.get().thenCompose(t -> connector.connectOnce(INFO_HASH, attempt, t));
    }

    /** Both ends of one connection: {@code initiator} dialled, {@code responder} accepted. */
    record Pair(MseSession initiator, MseSession responder) {
        void close() {
            initiator.close();
            responder.close();
        }
    }

    /** One connection over a new in-memory pipe. */
    Pair connectMemory() throws Exception {
        MemoryPipe pipe = MemoryPipe.open("initiator", "responder");
        CompletableFuture<MseSession> responder = acceptor.accept(pipe.right()).toCompletableFuture();
        CompletionStage<MseSession> initiator = dial(() -> CompletableFuture.completedFuture(pipe.left()));
        return new Pair(await(initiator.toCompletableFuture()), await(responder));
    }

    /** One connection over a new loopback TCP connection (the server socket is opened on first use). */
    Pair connectTcp() throws Exception {
        if (server == null) {
            listen();
        }
        InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
        CompletionStage<MseSession> initiator = dial(() -> MseTransports.tcp(scheduler, address, WAIT));
        MseSession a = await(initiator.toCompletableFuture());
        CompletableFuture<MseSession> responder = accepted.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (responder == null) {
            a.close();
            throw new IllegalStateException("the initiator finished its handshake but the loopback server accepted no "
                    + "connection within " + WAIT);
        }
        return new Pair(a, await(responder));
    }

    private void listen() throws IOException {
        server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        accepted = new LinkedBlockingQueue<>();
        ServerSocket listening = server;
        LinkedBlockingQueue<CompletableFuture<MseSession>> queue = accepted;
        scheduler.execute(() -> {
            try {
                while (true) {
                    Socket s = listening.accept();
                    s.setTcpNoDelay(true);
                    queue.add(acceptor.accept(MseTransports.tcp(scheduler, s)).toCompletableFuture());
                }
            } catch (IOException closed) {
                // close() closed the server socket: the loop ends
            }
        });
    }

    /** Fails unless both ends agree on {@code method} (empty: payload in the clear) and saw each other. */
    static void check(Pair p, Optional<CryptoMethod> method) {
        check(p.initiator(), method, PEER_B, "initiator");
        check(p.responder(), method, PEER_A, "responder");
    }

    private static void check(MseSession s, Optional<CryptoMethod> method, byte[] peer,
                              String side) {
        if (!s.obfuscated() || !s.method().equals(method) || !Arrays.equals(s.remotePeerId(), peer)
                || !Arrays.equals(s.infoHash(), INFO_HASH)) {
            throw new IllegalStateException("the " + side + " established an unexpected session: obfuscated="
                    + s.obfuscated() + ", method=" + s.method() + " (expected MSE with " + method
                    + "), remote peer id and info-hash as expected: " + Arrays.equals(s.remotePeerId(), peer) + ", "
                    + Arrays.equals(s.infoHash(), INFO_HASH));
        }
    }

    static <T> T await(CompletableFuture<T> f) throws InterruptedException, ExecutionException, TimeoutException {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[20];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
