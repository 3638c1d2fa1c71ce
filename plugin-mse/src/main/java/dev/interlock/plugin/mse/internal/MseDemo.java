package dev.interlock.plugin.mse.internal;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseAcceptor;
import dev.interlock.plugin.mse.MseConfig;
import dev.interlock.plugin.mse.MseConnector;
import dev.interlock.plugin.mse.MseException;
import dev.interlock.plugin.mse.MseSession;
import dev.interlock.plugin.mse.MseTransports;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The MSE plugin's demo: for each of the 16 (initiator policy, responder policy) pairs, an initiator connects over
 * loopback TCP to a responder, all 16 pairs at once; each pair's outcome (plain or RC4 payload, attempts, or
 * rejection) is compared with the policy matrix of {@link EncryptionPolicy}, and every established session echoes
 * {@value #ECHO_BYTES} random bytes through the responder and back over the same (RC4 or plain) streams.
 *
 * <p>Four responders listen on ephemeral loopback ports, one per policy. Everything is released before {@link #run}
 * returns: sessions closed, server and accepted sockets closed, accept loops ended.
 */
public final class MseDemo implements DemoScenario {

    /** Bytes each established pair echoes. */
    static final int ECHO_BYTES = 64 * 1024;
    /** The bound on one pair's connect, echo and close, and on the accept loops' shutdown. */
    static final Duration STEP_TIMEOUT = Duration.ofSeconds(10);

    private static final byte[] INFO_HASH = sha1("interlock demo torrent");
    private static final byte[] INITIATOR_ID = "-IL0100-demo-initatr".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONDER_ID = "-IL0100-demo-respndr".getBytes(StandardCharsets.US_ASCII);

    /** What one pair should end with: payload mode and attempts, or rejection. */
    record Outcome(String mode, int attempts) {
        static final Outcome REJECTED = new Outcome("rejected", 0);

        @Override
        public String toString() {
            return mode.equals(REJECTED.mode) ? REJECTED.mode : mode + "/" + attempts;
        }
    }

    private final BiFunction<EncryptionPolicy, EncryptionPolicy, Outcome> expected;

    /** The demo, checked against the documented policy matrix. */
    public MseDemo() {
        this(MseDemo::documentedMatrix);
    }

    /** The demo checked against another expectation (tests: a wrong matrix must make it fail). */
    MseDemo(BiFunction<EncryptionPolicy, EncryptionPolicy, Outcome> expected) {
        this.expected = Objects.requireNonNull(expected, "expected");
    }

    /**
     * The matrix of {@link EncryptionPolicy}'s documentation (initiator row, responder column), written out here
     * rather than derived from the code under test.
     */
    static Outcome documentedMatrix(EncryptionPolicy initiator, EncryptionPolicy responder) {
        Outcome plain1 = new Outcome("plain", 1);
        Outcome rc4One = new Outcome("rc4", 1);
        return switch (initiator) {
            case DISABLED -> responder == EncryptionPolicy.REQUIRED ? Outcome.REJECTED : plain1;
            case ALLOW -> responder == EncryptionPolicy.REQUIRED ? new Outcome("rc4", 2) : plain1;
            case PREFER -> responder == EncryptionPolicy.DISABLED ? new Outcome("plain", 2) : rc4One;
            case REQUIRED -> responder == EncryptionPolicy.DISABLED ? Outcome.REJECTED : rc4One;
        };
    }

    @Override
    public String description() {
        return "two peers handshake over loopback TCP across the 16-pair policy matrix and echo data";
    }

    @Override
    public DemoResult run(PluginContext context, Consumer<String> progress) throws Exception {
        Scheduler scheduler = context.scheduler();
        ConcurrencyGuard guard = context.guard();
        List<Responder> responders = new ArrayList<>();
        ConcurrentLinkedQueue<MseSession> sessions = new ConcurrentLinkedQueue<>();
        try {
            Map<EncryptionPolicy, Responder> byPolicy = new EnumMap<>(EncryptionPolicy.class);
            for (EncryptionPolicy p : EncryptionPolicy.values()) {
                Responder r = new Responder(guard, scheduler, p, sessions);
                responders.add(r);
                byPolicy.put(p, r);
            }
            progress.accept("4 responders listening on " + responders.stream()
                    .map(r -> r.policy.label() + "@" + r.address().getPort()).toList());

            // All 16 pairs at once.
            List<Pair> pairs = new ArrayList<>();
            for (EncryptionPolicy initiator : EncryptionPolicy.values()) {
                for (EncryptionPolicy responder : EncryptionPolicy.values()) {
                    Pair pair = new Pair(initiator, responder, pairs.size());
                    MseConnector connector = new MseConnector(guard, MseConfig.of(initiator, INITIATOR_ID)
                            .withHandshakeTimeout(STEP_TIMEOUT));
                    InetSocketAddress address = byPolicy.get(responder).address();
                    pair.connected = connector.connect(INFO_HASH,
                            () -> MseTransports.tcp(scheduler, address, STEP_TIMEOUT)).toCompletableFuture();
                    pairs.add(pair);
                }
            }

            int matching = 0;
            long echoedIntact = 0;
            long echoedExpected = 0;
            int established = 0;
            for (Pair pair : pairs) {
                Outcome want = expected.apply(pair.initiator, pair.responder);
                Outcome got;
                MseSession session = null;
                try {
                    session = pair.connected.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    sessions.add(session);
                    got = new Outcome(session.encrypted() ? "rc4" : "plain", session.attempts());
                } catch (ExecutionException e) {
                    Throwable cause = unwrap(e);
                    if (!(cause instanceof MseException)) {
                        throw new IllegalStateException("pair " + pair + " failed unexpectedly: " + cause, cause);
                    }
                    got = Outcome.REJECTED;
                }
                if (session != null) {
                    established++;
                    echoedExpected += ECHO_BYTES;
                    echoedIntact += echo(session, pair.index);
                }
                boolean ok = got.toString().equals(want.toString());
                matching += ok ? 1 : 0;
                pair.outcome = got;
                pair.matches = ok;
                if (pair.responder == EncryptionPolicy.REQUIRED) {
                    progress.accept("initiator " + pair.initiator.label() + ": " + row(pairs, pair.initiator));
                }
            }
            int closedAtResponder = closeAll(sessions, responders);
            int responderSessions = responders.stream().mapToInt(r -> r.established.get()).sum();
            boolean preferPrefer = pairs.stream().filter(p -> p.initiator == EncryptionPolicy.PREFER
                    && p.responder == EncryptionPolicy.PREFER).allMatch(p -> "rc4/1".equals(String.valueOf(p.outcome)));
            progress.accept("all sockets closed");
            return new DemoResult(pairs.size() + " policy pairs concurrently, " + established + " sessions, "
                    + (echoedExpected / 1024) + " KiB echoed", List.of(
                    DemoResult.Invariant.expect("pairs matching the matrix", pairs.size() + "/" + pairs.size(),
                            matching + "/" + pairs.size()),
                    DemoResult.Invariant.expect("'prefer' x 'prefer' encrypts in 1 attempt (seed 000)", "yes",
                            preferPrefer ? "yes" : "no"),
                    DemoResult.Invariant.expect("bytes echoed intact", echoedExpected, echoedIntact),
                    DemoResult.Invariant.expect("responder sessions closed after initiator close",
                            responderSessions + "/" + responderSessions, closedAtResponder + "/" + responderSessions)));
        } finally {
            for (MseSession s : sessions) {
                s.close();
            }
            for (Responder r : responders) {
                r.close();
            }
        }
    }

    private static String row(List<Pair> pairs, EncryptionPolicy initiator) {
        StringBuilder b = new StringBuilder();
        for (Pair p : pairs) {
            if (p.initiator == initiator) {
                if (!b.isEmpty()) {
                    b.append(", ");
                }
                Outcome o = p.outcome;
                b.append(p.responder.label()).append(' ').append(o).append(p.matches ? "" : " (NOT the matrix)");
            }
        }
        return b.toString();
    }

    /** Echoes {@value #ECHO_BYTES} bytes through the responder; returns how many came back equal. */
    private static long echo(MseSession session, int seed) throws Exception {
        byte[] data = new byte[ECHO_BYTES];
        new SplittableRandom(seed).nextBytes(data);
        CompletableFuture<byte[]> back = new CompletableFuture<>();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        session.onReceive(chunk -> {
            got.writeBytes(chunk);
            if (got.size() >= data.length) {
                back.complete(got.toByteArray());
            }
        });
        session.onClosed(() -> back.complete(got.toByteArray()));
        for (int off = 0; off < data.length; off += 7000) {
            session.send(Arrays.copyOfRange(data, off, Math.min(data.length, off + 7000)));
        }
        byte[] received = back.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return Arrays.equals(received, data) ? data.length : 0;
    }

    /** Closes the initiators' sessions and waits until each responder session saw its close; returns that count. */
    private static int closeAll(ConcurrentLinkedQueue<MseSession> sessions, List<Responder> responders)
            throws InterruptedException {
        sessions.forEach(MseSession::close);
        int closed = 0;
        for (Responder r : responders) {
            for (CompletableFuture<Void> f : r.closedSessions) {
                try {
                    f.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    closed++;
                } catch (ExecutionException | TimeoutException e) {
                    // counted as not closed
                }
            }
        }
        return closed;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static byte[] sha1(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is a required JDK algorithm", e);
        }
    }

    /** One (initiator, responder) pair. */
    private static final class Pair {
        final EncryptionPolicy initiator;
        final EncryptionPolicy responder;
        final int index;
        CompletableFuture<MseSession> connected;
        Outcome outcome;
        boolean matches;

        Pair(EncryptionPolicy initiator, EncryptionPolicy responder, int index) {
            this.initiator = initiator;
            this.responder = responder;
            this.index = index;
        }

        @Override
        public String toString() {
            return initiator.label() + " -> " + responder.label();
        }
    }

    /** A loopback listener whose accepted connections run the responder's handshake and echo what they receive. */
    private static final class Responder implements AutoCloseable {
        final EncryptionPolicy policy;
        final AtomicInteger established = new AtomicInteger();
        final ConcurrentLinkedQueue<CompletableFuture<Void>> closedSessions = new ConcurrentLinkedQueue<>();
        private final ServerSocket server;
        private final ConcurrentLinkedQueue<Socket> accepted = new ConcurrentLinkedQueue<>();
        private final CompletableFuture<Void> loopEnded = new CompletableFuture<>();

        Responder(ConcurrencyGuard guard, Scheduler scheduler, EncryptionPolicy policy,
                ConcurrentLinkedQueue<MseSession> sessions) throws IOException {
            this.policy = policy;
            this.server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
            MseAcceptor acceptor = new MseAcceptor(guard, MseConfig.of(policy, RESPONDER_ID)
                    .withHandshakeTimeout(STEP_TIMEOUT), List.of(INFO_HASH));
            scheduler.execute(() -> {
                try {
                    while (true) {
                        Socket socket = server.accept();
                        accepted.add(socket);
                        acceptor.accept(MseTransports.tcp(scheduler, socket)).whenComplete((session, error) -> {
                            if (session != null) {
                                established.incrementAndGet();
                                sessions.add(session);
                                CompletableFuture<Void> closed = new CompletableFuture<>();
                                closedSessions.add(closed);
                                session.onClosed(() -> closed.complete(null));
                                session.onReceive(session::send);
                            }
                        });
                    }
                } catch (IOException closedByDemo) {
                    // close() closed the server socket: the loop ends
                } finally {
                    loopEnded.complete(null);
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException, InterruptedException {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
            try {
                loopEnded.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the accept loop of the " + policy.label()
                        + " responder did not end within " + STEP_TIMEOUT, e);
            }
        }
    }
}
