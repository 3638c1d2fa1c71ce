package dev.interlock.plugin.mse;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real TCP on the loopback interface, virtual threads, the production scheduler. */
class TcpLoopbackTest {

    private Scheduler scheduler;
    private ConcurrencyGuard guard;
    private ServerSocket server;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private Thread acceptLoop;

    @BeforeEach
    void listen() throws IOException {
        scheduler = Scheduler.virtualThreads();
        guard = ConcurrencyGuard.inJvm(scheduler);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws Exception {
        server.close();
        if (acceptLoop != null) {
            acceptLoop.join(5000);
        }
        for (Socket s : accepted) {
            s.close();
        }
    }

    private LinkedBlockingQueue<CompletableFuture<MseSession>> serve(MseAcceptor acceptor) {
        LinkedBlockingQueue<CompletableFuture<MseSession>> results = new LinkedBlockingQueue<>();
        acceptLoop = Thread.ofVirtual().start(() -> {
            try {
                while (true) {
                    Socket s = server.accept();
                    accepted.add(s);
                    results.add(acceptor.accept(MseTransports.tcp(scheduler, s)).toCompletableFuture());
                }
            } catch (IOException closed) {
                // the test closed the server socket
            }
        });
        return results;
    }

    @ParameterizedTest(name = "{0} initiator, {1} responder")
    @CsvSource({"PREFER, PREFER, true, 1", "REQUIRED, ALLOW, true, 1", "ALLOW, ALLOW, false, 1", "PREFER, DISABLED, false, 2",
            "ALLOW, REQUIRED, true, 2"})
    void connect_overLoopback_handshakesAndEchoesPayload(EncryptionPolicy initiator, EncryptionPolicy responder,
                                                         boolean encrypted, int attempts) throws Exception {
        MseAcceptor acceptor = new MseAcceptor(guard, MseConfig.of(responder, SimulatedPeers.PEER_B),
                List.of(SimulatedPeers.INFO_HASH));
        LinkedBlockingQueue<CompletableFuture<MseSession>> results = serve(acceptor);
        InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
        MseConnector connector = new MseConnector(guard, MseConfig.of(initiator, SimulatedPeers.PEER_A));
        for (int round = 0; round < 5; round++) {
            MseSession a = connector.connect(SimulatedPeers.INFO_HASH,
                    () -> MseTransports.tcp(scheduler, address, Duration.ofSeconds(5))).toCompletableFuture()
                    .get(20, TimeUnit.SECONDS);
            MseSession b = null;
            for (int i = 0; i < attempts; i++) {
                CompletableFuture<MseSession> f = results.poll(20, TimeUnit.SECONDS);
                assertThat(f).isNotNull();
                if (i == attempts - 1) {
                    b = f.get(20, TimeUnit.SECONDS);
                }
            }
            assertThat(a.encrypted()).isEqualTo(encrypted);
            assertThat(b.encrypted()).isEqualTo(encrypted);
            assertThat(a.attempts()).isEqualTo(attempts);
            assertThat(a.remotePeerId()).isEqualTo(SimulatedPeers.PEER_B);
            assertThat(b.remotePeerId()).isEqualTo(SimulatedPeers.PEER_A);
            assertThat(a.handshakeTime()).isPositive();

            // echo: 200 KiB through the responder and back, over the same RC4 (or plain) streams
            MseSession echo = b;
            echo.onReceive(echo::send);
            CompletableFuture<byte[]> back = new CompletableFuture<>();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] data = new byte[200 * 1024];
            new java.util.SplittableRandom(round).nextBytes(data);
            a.onReceive(chunk -> {
                got.writeBytes(chunk);
                if (got.size() >= data.length) {
                    back.complete(got.toByteArray());
                }
            });
            for (int off = 0; off < data.length; off += 7000) {
                a.send(java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + 7000)));
            }
            assertThat(back.get(20, TimeUnit.SECONDS)).isEqualTo(data);
            CompletableFuture<Void> closedAtB = new CompletableFuture<>();
            b.onClosed(() -> closedAtB.complete(null));
            a.close();
            closedAtB.get(10, TimeUnit.SECONDS);
        }
    }

    @org.junit.jupiter.api.Test
    void connect_64ConcurrentPeers_allEncryptAndEcho() throws Exception {
        MseAcceptor acceptor = new MseAcceptor(guard, MseConfig.of(EncryptionPolicy.PREFER, SimulatedPeers.PEER_B),
                List.of(SimulatedPeers.INFO_HASH, SimulatedPeers.OTHER_HASH));
        LinkedBlockingQueue<CompletableFuture<MseSession>> results = serve(acceptor);
        InetSocketAddress address = (InetSocketAddress) server.getLocalSocketAddress();
        MseConnector connector = new MseConnector(guard, MseConfig.of(EncryptionPolicy.REQUIRED, SimulatedPeers.PEER_A));
        List<CompletableFuture<String>> echoes = new java.util.ArrayList<>();
        for (int i = 0; i < 64; i++) {
            byte[] hash = i % 2 == 0 ? SimulatedPeers.INFO_HASH : SimulatedPeers.OTHER_HASH;
            String text = "peer " + i + " ".repeat(i * 10);
            echoes.add(connector.connect(hash, () -> MseTransports.tcp(scheduler, address, Duration.ofSeconds(5)))
                    .thenCompose(a -> {
                        assertThat(a.infoHash()).isEqualTo(hash);
                        CompletableFuture<String> back = new CompletableFuture<>();
                        StringBuilder got = new StringBuilder();
                        a.onReceive(b -> {
                            got.append(new String(b, java.nio.charset.StandardCharsets.UTF_8));
                            if (got.length() >= text.length()) {
                                back.complete(got.toString());
                                a.close();
                            }
                        });
                        a.send(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        return back;
                    }).toCompletableFuture());
        }
        for (int i = 0; i < 64; i++) {
            MseSession b = results.poll(20, TimeUnit.SECONDS).get(20, TimeUnit.SECONDS);
            assertThat(b.encrypted()).isTrue();
            b.onReceive(b::send);
        }
        for (int i = 0; i < 64; i++) {
            assertThat(echoes.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("peer " + i + " ".repeat(i * 10));
        }
    }
}
