package dev.interlock.plugin.ratchet;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Two channels over a real loopback TCP connection, real ML-KEM-768 + X25519, production scheduler. */
class TcpRoundTripTest {

    private static final int MESSAGES = 200;

    @Test
    void tcp_messagesAndSimultaneousRekeysBothWays_allDeliveredInOrderAndVersionsAgree() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        RatchetOptions options = RatchetOptions.defaults().withWindow(4);
        KeyExchange kex = KeyExchange.hybridMlKem768X25519();
        int maxFrame = options.maxFrameLength(kex);
        byte[] secret = "tcp session secret of 32 bytes!!".getBytes(StandardCharsets.US_ASCII);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    accepted.complete(server.accept());
                } catch (Exception e) {
                    accepted.completeExceptionally(e);
                }
            });
            Socket clientSocket = new Socket(server.getInetAddress(), server.getLocalPort());
            Socket serverSocket = accepted.get(10, TimeUnit.SECONDS);

            List<String> atClient = new CopyOnWriteArrayList<>();
            List<String> atServer = new CopyOnWriteArrayList<>();
            CountDownLatch allDelivered = new CountDownLatch(2 * MESSAGES);
            RatchetChannel client = RatchetChannel.builder(guard).name("client").side(Side.INITIATOR)
                    .sessionSecret(secret).keyExchange(kex).options(options)
                    .transport(FrameTransports.tcp(clientSocket, scheduler, maxFrame, 1024))
                    .onMessage(p -> {
                        atClient.add(new String(p, StandardCharsets.UTF_8));
                        allDelivered.countDown();
                    }).open();
            RatchetChannel server1 = RatchetChannel.builder(guard).name("server").side(Side.RESPONDER)
                    .sessionSecret(secret).keyExchange(kex).options(options)
                    .transport(FrameTransports.tcp(serverSocket, scheduler, maxFrame, 1024))
                    .onMessage(p -> {
                        atServer.add(new String(p, StandardCharsets.UTF_8));
                        allDelivered.countDown();
                    }).open();

            for (int round = 0; round < 10; round++) {
                for (int i = round * 20; i < (round + 1) * 20; i++) {
                    client.send(("c" + i).getBytes(StandardCharsets.UTF_8));
                    server1.send(("s" + i).getBytes(StandardCharsets.UTF_8));
                }
                // Both sides rekey at once, while messages are in flight.
                CompletableFuture<Long> fromClient = client.triggerRekey().toCompletableFuture();
                CompletableFuture<Long> fromServer = server1.triggerRekey().toCompletableFuture();
                long v1 = fromClient.get(30, TimeUnit.SECONDS);
                long v2 = fromServer.get(30, TimeUnit.SECONDS);
                assertThat(Math.max(v1, v2)).isGreaterThan(round);
            }
            assertThat(allDelivered.await(60, TimeUnit.SECONDS)).isTrue();
            // One more round after the dust settled: both sides agree on the version.
            long last = client.triggerRekey().toCompletableFuture().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (server1.status().completed() < last && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(server1.status().completed()).isEqualTo(last);
            assertThat(client.version()).isEqualTo(server1.version()).isEqualTo(last).isGreaterThanOrEqualTo(11);
            assertThat(client.status().latest() - client.status().earliest() + 1).isLessThanOrEqualTo(4);
            assertThat(atServer).containsExactlyElementsOf(range("c"));
            assertThat(atClient).containsExactlyElementsOf(range("s"));
            assertThat(client.status().rejectedFrames() + server1.status().rejectedFrames()).isZero();

            client.close().toCompletableFuture().get(30, TimeUnit.SECONDS);
            server1.closed().toCompletableFuture().get(30, TimeUnit.SECONDS); // the server sees the peer's close
            assertThat(server1.status().state()).isEqualTo(RekeyState.CLOSED);
            CompletableFuture<Void> sendAfterClose = server1.send(new byte[1]).toCompletableFuture();
            assertThat(sendAfterClose).failsWithin(10, TimeUnit.SECONDS).withThrowableThat()
                    .withCauseInstanceOf(ChannelClosedException.class);
        }
    }

    private static List<String> range(String prefix) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < MESSAGES; i++) {
            out.add(prefix + i);
        }
        return out;
    }
}
