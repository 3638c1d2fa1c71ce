package dev.interlock.plugin.mse;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mse.internal.Connection;
import dev.interlock.plugin.mse.internal.HandshakeEngine;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Outgoing connections: MSE (or plain) handshake, then the BitTorrent handshake, following the policy's attempt
 * list ({@link EncryptionPolicy#outgoingAttempts()}). An attempt the peer rejects (it closes the connection before
 * the handshake completes, {@link MseException.PeerClosed}) is retried with the next attempt on a NEW connection
 * from the dialer: real peers cannot fall back to plain on a socket that has already carried DH bytes.
 *
 * <p>Thread-safe; one instance serves any number of connections. The returned stage fails with an
 * {@link MseException} (the last attempt's failure) or completes with the session.
 */
public final class MseConnector {

    private final ConcurrencyGuard guard;
    private final MseConfig config;

    public MseConnector(ConcurrencyGuard guard, MseConfig config) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Connects to the peer the dialer reaches, for the torrent {@code infoHash}.
     *
     * @param dialer opens a new connection each time it is called; its stage may fail with any exception, which
     *               is reported as {@link MseException.TransportFailed}
     */
    public CompletionStage<MseSession> connect(byte[] infoHash, Supplier<? extends CompletionStage<? extends MseTransport>> dialer) {
        checkInfoHash(infoHash);
        long start = guard.scheduler().nanoTime();
        return attempt(infoHash.clone(), dialer, config.policy().outgoingAttempts(), 0, start);
    }

    /**
     * Runs exactly one attempt on {@code transport}, whatever the policy: plain if {@code attempt.provide()} is
     * empty, otherwise MSE offering those methods. For diagnostics and interop tests; no retry.
     */
    public CompletionStage<MseSession> connectOnce(byte[] infoHash, EncryptionPolicy.Attempt attempt, MseTransport transport) {
        checkInfoHash(infoHash);
        return open(infoHash.clone(), attempt, transport, guard.scheduler().nanoTime(), 1);
    }

    private CompletionStage<MseSession> attempt(byte[] infoHash, Supplier<? extends CompletionStage<? extends MseTransport>> dialer,
                                                List<EncryptionPolicy.Attempt> plan, int index, long start) {
        CompletionStage<? extends MseTransport> dialed;
        try {
            dialed = dialer.get();
        } catch (RuntimeException e) {
            dialed = CompletableFuture.failedFuture(e);
        }
        CompletionStage<MseSession> outcome = dialed
                .handle((transport, error) -> {
                    if (error != null) {
                        Throwable c = unwrap(error);
                        return CompletableFuture.<MseSession>failedFuture(c instanceof MseException ? c
                                : new MseException.TransportFailed("could not connect: " + c));
                    }
                    return open(infoHash, plan.get(index), transport, start, index + 1);
                })
                .thenCompose(s -> s);
        if (index + 1 >= plan.size()) {
            return outcome;
        }
        return outcome.handle((session, error) -> {
            if (error != null && unwrap(error) instanceof MseException.PeerClosed) {
                return attempt(infoHash, dialer, plan, index + 1, start);
            }
            return error == null ? CompletableFuture.completedFuture(session)
                    : CompletableFuture.<MseSession>failedFuture(unwrap(error));
        }).thenCompose(s -> s);
    }

    private CompletionStage<MseSession> open(byte[] infoHash, EncryptionPolicy.Attempt attempt, MseTransport transport,
                                             long start, int number) {
        HandshakeEngine.Config engine = new HandshakeEngine.Config(HandshakeEngine.Role.INITIATOR, attempt.provide(),
                config.policy(), infoHash, Map.of(), config.peerId(), config.reserved(), config.handshakeAsIa(),
                config.maxInitialPayload(), config.random(), guard.scheduler());
        return new Connection(guard, transport, engine, config.handshakeTimeout(), start, number).start();
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    static void checkInfoHash(byte[] infoHash) {
        if (infoHash.length != 20) {
            throw new IllegalArgumentException("an info-hash is 20 bytes (40 hex digits), got " + infoHash.length);
        }
    }
}
