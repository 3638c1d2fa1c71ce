package dev.interlock.plugin.mse;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.LinkOptions;
import dev.interlock.testkit.SimulatedLink;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** An initiator and a responder on one deterministic scheduler; every dial opens a new simulated link. */
final class SimulatedPeers {

    static final byte[] INFO_HASH = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef01234567");
    static final byte[] OTHER_HASH = HexFormat.of().parseHex("fedcba9876543210fedcba9876543210fedcba98");
    static final byte[] PEER_A = "-IL0100-initiator000".getBytes(StandardCharsets.US_ASCII);
    static final byte[] PEER_B = "-IL0100-responder000".getBytes(StandardCharsets.US_ASCII);

    final DeterministicScheduler scheduler;
    final ConcurrencyGuard guard;
    final LinkOptions link;
    final MseConnector connector;
    final MseAcceptor acceptor;
    final List<CompletableFuture<MseSession>> accepted = new ArrayList<>();
    final List<SimulatedLink> links = new ArrayList<>();

    SimulatedPeers(DeterministicScheduler scheduler, EncryptionPolicy initiator, EncryptionPolicy responder, LinkOptions link) {
        this.scheduler = scheduler;
        this.guard = ConcurrencyGuard.inJvm(scheduler);
        this.link = link;
        MseConfig base = MseConfig.of(initiator, PEER_A).withRandom(scheduler.random())
                .withHandshakeAsIa(scheduler.random().nextBoolean());
        this.connector = new MseConnector(guard, base);
        this.acceptor = new MseAcceptor(guard, MseConfig.of(responder, PEER_B).withRandom(scheduler.random()),
                List.of(OTHER_HASH, INFO_HASH));
    }

    /** Opens a new link and starts the acceptor on its right end; returns the left end. */
    CompletionStage<MseTransport> dial() {
        SimulatedLink l = SimulatedLink.open(scheduler, link);
        links.add(l);
        accepted.add(acceptor.accept(new SimulatedTransport(l.right())).toCompletableFuture());
        return CompletableFuture.completedFuture(new SimulatedTransport(l.left()));
    }

    Supplier<CompletionStage<MseTransport>> dialer() {
        return this::dial;
    }

    CompletableFuture<MseSession> connect() {
        return connector.connect(INFO_HASH, dialer()).toCompletableFuture();
    }

    static Throwable cause(CompletableFuture<?> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }
}
