package dev.interlock.plugin.mse.internal;

import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseException;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/** Engines wired to in-test outboxes, driven synchronously (crypto on the calling thread) with chosen chunking. */
final class EngineHarness {

    static final byte[] INFO_HASH = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef01234567");
    static final byte[] OTHER_HASH = HexFormat.of().parseHex("fedcba9876543210fedcba9876543210fedcba98");
    static final byte[] PEER_A = "-IL0100-aaaaaaaaaaaa".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    static final byte[] PEER_B = "-IL0100-bbbbbbbbbbbb".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** One engine plus everything it told its listener. */
    static final class Side implements HandshakeEngine.Listener {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream payload = new ByteArrayOutputStream();
        HandshakeEngine engine;
        HandshakeEngine.Result result;
        MseException failure;
        int failures;

        @Override
        public void transmit(byte[] data) {
            out.writeBytes(data);
        }

        @Override
        public void established(HandshakeEngine.Result r, byte[] leftover) {
            if (result != null || failure != null) {
                throw new AssertionError("established after an outcome");
            }
            result = r;
            payload.writeBytes(leftover);
        }

        @Override
        public void failed(MseException e) {
            if (result != null) {
                throw new AssertionError("failed after established", e);
            }
            failures++;
            failure = e;
        }

        @Override
        public void received(byte[] data) {
            payload.writeBytes(data);
        }

        byte[] drain() {
            byte[] b = out.toByteArray();
            out.reset();
            return b;
        }

        void feed(byte[] data) {
            engine.onData(data).toCompletableFuture().join();
        }

        boolean done() {
            return result != null || failure != null;
        }
    }

    static HandshakeEngine.Config initiator(Set<CryptoMethod> provide, byte[] infoHash, boolean asIa, RandomGenerator r) {
        return new HandshakeEngine.Config(HandshakeEngine.Role.INITIATOR, provide, EncryptionPolicy.PREFER, infoHash,
                Map.of(), PEER_A, new byte[8], asIa, HandshakeEngine.DEFAULT_MAX_IA, r, Runnable::run);
    }

    static HandshakeEngine.Config responder(EncryptionPolicy policy, Collection<byte[]> hashes, int maxIa, RandomGenerator r) {
        Map<String, byte[]> map = new LinkedHashMap<>();
        for (byte[] h : hashes) {
            map.put(HexFormat.of().formatHex(MseCrypto.hash("req2", h)), h);
        }
        return new HandshakeEngine.Config(HandshakeEngine.Role.RESPONDER, Set.of(), policy, null, map, PEER_B,
                new byte[8], true, maxIa, r, Runnable::run);
    }

    static Side side(HandshakeEngine.Config c) {
        Side s = new Side();
        s.engine = new HandshakeEngine(c, s);
        return s;
    }

    /** How bytes in flight are cut into chunks. */
    interface Chunker {
        List<byte[]> split(byte[] data);

        static Chunker bytes() {
            return data -> {
                List<byte[]> l = new ArrayList<>(data.length);
                for (byte b : data) {
                    l.add(new byte[] {b});
                }
                return l;
            };
        }

        static Chunker whole() {
            return data -> data.length == 0 ? List.of() : List.of(data);
        }

        static Chunker random(SplittableRandom r, int max) {
            return data -> {
                List<byte[]> l = new ArrayList<>();
                int i = 0;
                while (i < data.length) {
                    int n = Math.min(data.length - i, 1 + r.nextInt(max));
                    l.add(java.util.Arrays.copyOfRange(data, i, i + n));
                    i += n;
                }
                return l;
            };
        }
    }

    /**
     * Pumps bytes between the two sides until nothing moves. With {@code coalesce}, everything one side sent in a
     * round is held back and delivered together with the next round (one giant chunk).
     */
    static void pump(Side a, Side b, Chunker chunker) {
        a.engine.start().toCompletableFuture().join();
        b.engine.start().toCompletableFuture().join();
        for (int round = 0; round < 100; round++) {
            byte[] ab = a.drain();
            byte[] ba = b.drain();
            if (ab.length == 0 && ba.length == 0) {
                return;
            }
            for (byte[] c : chunker.split(ab)) {
                b.feed(c);
            }
            for (byte[] c : chunker.split(ba)) {
                a.feed(c);
            }
        }
        throw new AssertionError("pump did not settle in 100 rounds");
    }

    private EngineHarness() {
    }
}
