package dev.interlock.plugin.mse;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mse.internal.BtHandshake;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Interop with a real client: libtorrent-rasterbar 2.0.8 (Debian's python3-libtorrent) driven by
 * {@code src/test/python/lt_peer.py}. Both directions, libtorrent forced to MSE with level rc4 and with level both
 * (prefer_rc4 off), {@value #HANDSHAKES} handshakes each; after every MSE handshake the BitTorrent handshakes are
 * checked byte for byte and libtorrent's first message after them is decoded from the continued stream.
 *
 * <p>Known libtorrent bug: as responder it builds the req3 mask from an unpadded S, so about 1 in 256 handshakes
 * with libtorrent as responder fail (it closes the connection). Those are counted and reported, and only those are
 * tolerated: any other failure is ours. If python3-libtorrent is missing the test is skipped, except with
 * {@code CI=true}, where it fails: CI must install it ({@code apt-get install -y python3-libtorrent}).
 */
public class LibtorrentInteropTest {

    /** Handshakes per direction and level; override with -Dmse.interop.handshakes=N. */
    static final int HANDSHAKES = Integer.getInteger("mse.interop.handshakes", 200);
    /** Ports libtorrent is asked to dial at once. */
    private static final int BATCH = 20;
    private static final String PYTHON = "/usr/bin/python3";
    private static final Path HELPER = Path.of("src/test/python/lt_peer.py");
    private static final byte[] PEER_ID = "-IL0100-interop00000".getBytes(StandardCharsets.US_ASCII);

    /** Our reserved bytes: the extension-protocol bit (BEP 10), so that libtorrent sends its extended handshake. */
    private static final byte[] RESERVED = {0, 0, 0, 0, 0, 0x10, 0, 0};

    private static Scheduler scheduler;
    private static ConcurrencyGuard guard;

    @BeforeAll
    public static void requireLibtorrent() throws Exception {
        boolean available = Files.isExecutable(Path.of(PYTHON)) && new ProcessBuilder(PYTHON, "-c", "import libtorrent")
                .redirectErrorStream(true).start().waitFor() == 0;
        if (!available) {
            String msg = "python3-libtorrent is not installed for " + PYTHON
                    + "; install it with: apt-get update && apt-get install -y python3-libtorrent";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("CI=true but " + msg);
            }
            Assumptions.abort(msg);
        }
        scheduler = Scheduler.virtualThreads();
        guard = ConcurrencyGuard.inJvm(scheduler);
    }

    @AfterAll
    static void done() {
        guard = null;
    }

    /** A running lt_peer.py. */
    public static final class LtPeer implements AutoCloseable {
        final Process process;
        final PrintWriter in;
        final BufferedReader out;
        public final int port;
        public final byte[] infoHash;
        public final String fingerprint;

        public LtPeer(String role, String level) throws IOException {
            process = new ProcessBuilder(PYTHON, HELPER.toString(), role, level)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            if (first == null) {
                throw new IOException("lt_peer.py exited before printing its port");
            }
            port = Integer.parseInt(field(first, "port"));
            infoHash = HexFormat.of().parseHex(field(first, "info_hash"));
            fingerprint = field(first, "fingerprint");
        }

        private static String field(String json, String name) {
            Matcher m = Pattern.compile("\"" + name + "\": \"?([^\",}]+)\"?").matcher(json);
            if (!m.find()) {
                throw new IllegalStateException("no " + name + " in " + json);
            }
            return m.group(1);
        }

        void dial(int ourPort) throws IOException {
            in.println("connect " + ourPort);
            String ack = out.readLine();
            if (!"ok".equals(ack)) {
                throw new IOException("lt_peer.py did not acknowledge connect: " + ack);
            }
        }

        @Override
        public void close() throws Exception {
            in.println("quit");
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /** Tally of one direction and level. */
    static final class Tally {
        int ok;
        long handshakeNanos;
        final Map<String, Integer> failures = new TreeMap<>();

        void fail(String kind) {
            failures.merge(kind, 1, Integer::sum);
        }

        int failed() {
            return failures.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** Checks libtorrent's 68-byte handshake and the first message after it; returns a failure kind or null. */
    private static String verify(MseSession s, LtPeer lt, CryptoMethod expected) throws Exception {
        if (!s.method().equals(java.util.Optional.of(expected))) {
            return "method-" + s.method().map(CryptoMethod::label).orElse("none");
        }
        byte[] wire = new BtHandshake(s.remoteReserved(), s.infoHash(), s.remotePeerId()).encode();
        assertThat(Arrays.copyOfRange(wire, 0, 20)).isEqualTo(BtHandshake.HEADER);
        assertThat(s.infoHash()).isEqualTo(lt.infoHash);
        assertThat(new String(s.remotePeerId(), 0, 8, StandardCharsets.US_ASCII)).isEqualTo(lt.fingerprint);
        assertThat(s.remoteReserved()[5] & 0x10).as("extension protocol bit").isEqualTo(0x10);
        // the first message after the handshakes, through the continued stream
        CompletableFuture<byte[]> first = new CompletableFuture<>();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        s.onReceive(chunk -> {
            got.writeBytes(chunk);
            byte[] b = got.toByteArray();
            if (b.length >= 4) {
                int len = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
                if (len < 0 || len > 1 << 16) {
                    first.completeExceptionally(new AssertionError("implausible message length " + len));
                } else if (b.length >= 4 + len) {
                    first.complete(Arrays.copyOfRange(b, 4, 4 + len));
                }
            }
        });
        byte[] msg;
        try {
            msg = first.get(3, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return "no-message-after-handshake";
        }
        if (msg.length == 0) {
            return null; // keep-alive
        }
        int id = msg[0] & 0xff;
        if (id == 20) {
            assertThat(msg[1]).as("extended handshake id").isZero();
            assertThat((char) msg[2]).as("bencoded dictionary").isEqualTo('d');
        } else {
            assertThat(id).as("message id").isIn(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17);
        }
        return null;
    }

    private static MseConfig config(EncryptionPolicy policy) {
        return new MseConfig(policy, PEER_ID, RESERVED, Duration.ofSeconds(10), 68, true, new java.security.SecureRandom());
    }

    private static String kind(Throwable t) {
        Throwable c = t instanceof ExecutionException && t.getCause() != null ? t.getCause() : t;
        return c instanceof MseException m ? m.kind() : c.getClass().getSimpleName();
    }

    private Tally weInitiate(String level, CryptoMethod expected) throws Exception {
        Tally t = new Tally();
        try (LtPeer lt = new LtPeer("seed", level)) {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), lt.port);
            MseConnector connector = new MseConnector(guard, config(EncryptionPolicy.PREFER));
            EncryptionPolicy.Attempt offer = new EncryptionPolicy.Attempt(
                    "rc4".equals(level) ? EnumSet.of(CryptoMethod.RC4) : EnumSet.of(CryptoMethod.PLAINTEXT, CryptoMethod.RC4));
            for (int i = 0; i < HANDSHAKES; i++) {
                MseTransport transport = MseTransports.tcp(scheduler, address, Duration.ofSeconds(5))
                        .toCompletableFuture().get(10, TimeUnit.SECONDS);
                try {
                    MseSession s = connector.connectOnce(lt.infoHash, offer, transport).toCompletableFuture()
                            .get(15, TimeUnit.SECONDS);
                    t.handshakeNanos += s.handshakeTime().toNanos();
                    String failure = verify(s, lt, expected);
                    s.close();
                    if (failure == null) {
                        t.ok++;
                    } else {
                        t.fail(failure);
                    }
                } catch (ExecutionException e) {
                    t.fail(kind(e));
                }
            }
        }
        return t;
    }

    private Tally theyInitiate(String level, EncryptionPolicy ours, CryptoMethod expected) throws Exception {
        Tally t = new Tally();
        try (LtPeer lt = new LtPeer("dial", level)) {
            MseAcceptor acceptor = new MseAcceptor(guard, config(ours), List.of(lt.infoHash));
            // libtorrent starts queued outgoing connections on its once-a-second tick: dial in batches of
            // BATCH fresh listening ports (a fresh endpoint each time, so no reconnect back-off applies)
            for (int done = 0; done < HANDSHAKES; ) {
                int batch = Math.min(BATCH, HANDSHAKES - done);
                List<ServerSocket> servers = new java.util.ArrayList<>();
                try {
                    for (int i = 0; i < batch; i++) {
                        ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                        server.setSoTimeout(15_000);
                        servers.add(server);
                        lt.dial(server.getLocalPort());
                    }
                    for (ServerSocket server : servers) {
                        Socket socket = server.accept();
                        socket.setTcpNoDelay(true);
                        try {
                            MseSession s = acceptor.accept(MseTransports.tcp(scheduler, socket)).toCompletableFuture()
                                    .get(15, TimeUnit.SECONDS);
                            t.handshakeNanos += s.handshakeTime().toNanos();
                    String failure = verify(s, lt, expected);
                            s.close();
                            if (failure == null) {
                                t.ok++;
                            } else {
                                t.fail(failure);
                            }
                        } catch (ExecutionException e) {
                            t.fail(kind(e));
                        }
                    }
                } finally {
                    for (ServerSocket server : servers) {
                        server.close();
                    }
                }
                done += batch;
            }
        }
        return t;
    }

    private static void report(String name, Tally t) {
        System.out.printf("mse interop %s: %d handshakes, %d ok, %d failed %s, mean handshake %.2f ms%n", name,
                HANDSHAKES, t.ok, t.failed(), t.failures, t.handshakeNanos / 1e6 / Math.max(1, t.ok));
    }

    /**
     * libtorrent as responder fails ~1/256 handshakes by its own req3 bug: it then cannot find our SKEY and closes
     * the connection, which we see as peer-closed. 200 handshakes expect 0.8 such failures; more than 8 (a Poisson
     * tail below 1e-6) or any other kind is a bug of ours.
     */
    private static void assertOnlyLibtorrentResponderBug(Tally t) {
        assertThat(t.failures.keySet()).as("failure kinds").isSubsetOf("peer-closed");
        assertThat(t.failed()).as("libtorrent responder-bug failures").isLessThanOrEqualTo(Math.max(8, HANDSHAKES / 25));
        assertThat(t.ok + t.failed()).isEqualTo(HANDSHAKES);
    }

    @Test
    void ourInitiator_libtorrentSeederForcedRc4_handshakesAndStreams() throws Exception {
        Tally t = weInitiate("rc4", CryptoMethod.RC4);
        report("our initiator -> libtorrent responder, level rc4", t);
        assertOnlyLibtorrentResponderBug(t);
    }

    @Test
    void ourInitiator_libtorrentSeederLevelBoth_libtorrentSelectsPlaintext() throws Exception {
        Tally t = weInitiate("both", CryptoMethod.PLAINTEXT);
        report("our initiator -> libtorrent responder, level both", t);
        assertOnlyLibtorrentResponderBug(t);
    }

    @Test
    void libtorrentInitiatorForcedRc4_ourPreferResponder_handshakesAndStreams() throws Exception {
        Tally t = theyInitiate("rc4", EncryptionPolicy.PREFER, CryptoMethod.RC4);
        report("libtorrent initiator -> our responder, level rc4", t);
        assertThat(t.failures).as("failures with libtorrent as initiator are ours").isEmpty();
        assertThat(t.ok).isEqualTo(HANDSHAKES);
    }

    @Test
    void libtorrentInitiatorLevelBoth_ourAllowResponder_selectsPlaintext() throws Exception {
        Tally t = theyInitiate("both", EncryptionPolicy.ALLOW, CryptoMethod.PLAINTEXT);
        report("libtorrent initiator -> our responder, level both", t);
        assertThat(t.failures).as("failures with libtorrent as initiator are ours").isEmpty();
        assertThat(t.ok).isEqualTo(HANDSHAKES);
    }
}
