package dev.interlock.plugin.mse;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.plugin.mse.internal.Connection;
import dev.interlock.plugin.mse.internal.HandshakeEngine;
import dev.interlock.plugin.mse.internal.MseCrypto;

import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Incoming connections for a set of torrents: tells a plain BitTorrent handshake from MSE by all 20 bytes of
 * {@code "\x13BitTorrent protocol"}, finds which torrent an MSE initiator meant from HASH('req2', SKEY), and applies
 * the policy (see {@link EncryptionPolicy}). Thread-safe; each accepted transport gets its own lane.
 */
public final class MseAcceptor {

    private final ConcurrencyGuard guard;
    private final MseConfig config;
    private final Map<String, byte[]> torrents;

    /** @param infoHashes the torrents served, 20 bytes each; at least one */
    public MseAcceptor(ConcurrencyGuard guard, MseConfig config, Collection<byte[]> infoHashes) {
        this.guard = Objects.requireNonNull(guard, "guard");
        this.config = Objects.requireNonNull(config, "config");
        if (infoHashes.isEmpty()) {
            throw new IllegalArgumentException("an acceptor needs at least one info-hash to serve");
        }
        Map<String, byte[]> map = new LinkedHashMap<>();
        for (byte[] ih : infoHashes) {
            MseConnector.checkInfoHash(ih);
            map.put(HexFormat.of().formatHex(MseCrypto.hash("req2", ih)), ih.clone());
        }
        this.torrents = Map.copyOf(map);
    }

    /** Runs the responder's handshakes on {@code transport}; the stage completes with the session or an {@link MseException}. */
    public CompletionStage<MseSession> accept(MseTransport transport) {
        HandshakeEngine.Config engine = new HandshakeEngine.Config(HandshakeEngine.Role.RESPONDER, Set.of(),
                config.policy(), null, torrents, config.peerId(), config.reserved(), config.handshakeAsIa(),
                config.maxInitialPayload(), config.random(), guard.scheduler());
        return new Connection(guard, transport, engine, config.handshakeTimeout(), guard.scheduler().nanoTime(), 1)
                .start();
    }
}
