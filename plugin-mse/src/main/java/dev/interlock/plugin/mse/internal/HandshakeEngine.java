package dev.interlock.plugin.mse.internal;

import dev.interlock.plugin.mse.CryptoMethod;
import dev.interlock.plugin.mse.EncryptionPolicy;
import dev.interlock.plugin.mse.MseException;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The MSE handshake, then the BitTorrent handshake, then the stream, as one state machine per connection.
 *
 * <p>Design. Each state has one small handler that looks at the buffered input and either needs more bytes, moves to
 * the next state, or starts the one asynchronous step of each role (the Diffie-Hellman exponentiations, run on the
 * crypto executor). {@link #drive()} loops over handlers until one needs more input, and chains itself after an
 * asynchronous step. Every entry point returns the stage that completes when all input it was given has been
 * processed: the connection submits each entry to its {@link dev.interlock.api.guard.OperationQueue}, so the next
 * input is not even looked at before the previous one, including its asynchronous step, is finished. That is the
 * fix for seed 000, where {@code processBuffer} re-entered a handler whose async step was still running.
 *
 * <p>Any protocol error moves to the terminal {@link State#FAILED}: the buffer is released, the listener is told once,
 * and later input is discarded. Limits: PadA..PadD at most {@value #MAX_PAD} bytes (so the req1 scan window is
 * {@value #MAX_PAD} + 20 bytes after Ya and the VC scan window {@value #MAX_PAD} + 8 bytes after Yb), len(IA) at
 * most the configured maximum (default {@value #DEFAULT_MAX_IA}).
 *
 * <p>Not thread-safe: every method must be called from the connection's lane.
 */
public final class HandshakeEngine {

    /** The largest pad (PadA, PadB, PadC, PadD) either side may send, in bytes. */
    public static final int MAX_PAD = 512;
    /** Default largest IA accepted: one BitTorrent handshake, as libtorrent accepts. */
    public static final int DEFAULT_MAX_IA = BtHandshake.LENGTH;
    /** Length of the verification constant VC (8 zero bytes). */
    static final int VC_LENGTH = 8;
    private static final byte[] VC = new byte[VC_LENGTH];

    /** Which side of the connection this engine is. */
    public enum Role { INITIATOR, RESPONDER }

    /** Where the handshake is. */
    public enum State {
        /** Initiator: nothing sent yet (MSE: Ya|PadA comes next; plain: our BitTorrent handshake). */
        I_START,
        /** Initiator: waiting for Yb (96 bytes). */
        I_AWAIT_YB,
        /** Initiator: scanning for RC4_B(VC) within PadB. */
        I_AWAIT_VC,
        /** Initiator: waiting for crypto_select and len(PadD). */
        I_AWAIT_SELECT,
        /** Initiator: waiting for PadD. */
        I_AWAIT_PAD_D,
        /** Responder: waiting for 20 bytes to tell a plain handshake from Ya. */
        R_AWAIT_FIRST,
        /** Responder: waiting for Ya (96 bytes). */
        R_AWAIT_YA,
        /** Responder: scanning for HASH('req1', S) within PadA. */
        R_AWAIT_REQ1,
        /** Responder: waiting for HASH('req2', SKEY) xor HASH('req3', S). */
        R_AWAIT_SKEY,
        /** Responder: waiting for RC4_A(VC | crypto_provide | len(PadC)). */
        R_AWAIT_PROVIDE,
        /** Responder: waiting for PadC and len(IA). */
        R_AWAIT_PAD_C,
        /** Responder: waiting for IA. */
        R_AWAIT_IA,
        /** Either: waiting for the peer's 68-byte BitTorrent handshake on the (decrypted) stream. */
        AWAIT_PEER_HANDSHAKE,
        /** Handshakes done; input is stream payload. */
        ESTABLISHED,
        /** Terminal: something failed; input is discarded. */
        FAILED
    }

    /** What the engine tells its connection. Called from the lane. */
    public interface Listener {
        /** Bytes to send to the peer, in order. */
        void transmit(byte[] data);

        /** The handshakes completed. {@code leftover} is payload that arrived with them (already decrypted). */
        void established(Result result, byte[] leftover);

        /** The handshake failed; called at most once, and never after {@link #established}. */
        void failed(MseException failure);

        /** Decrypted payload after {@link #established}. */
        void received(byte[] data);
    }

    /**
     * What was negotiated.
     *
     * @param obfuscated whether the MSE handshake ran (false: plain BitTorrent handshake)
     * @param method     the selected crypto method, empty for a plain connection
     * @param peer       the peer's BitTorrent handshake
     */
    public record Result(boolean obfuscated, Optional<CryptoMethod> method, BtHandshake peer) {
        /** Whether payload is RC4-encrypted. */
        public boolean encrypted() {
            return method.orElse(CryptoMethod.PLAINTEXT) == CryptoMethod.RC4;
        }
    }

    /**
     * Configuration of one engine.
     *
     * @param role             initiator or responder
     * @param provide          initiator: methods offered in crypto_provide; empty = plain BitTorrent handshake
     * @param policy           responder: what it accepts and selects
     * @param infoHash         initiator: the torrent
     * @param torrents         responder: HASH('req2', info-hash) in hex -> info-hash, for every torrent served
     * @param peerId           our 20-byte peer id
     * @param reserved         our 8 reserved bytes
     * @param handshakeAsIa    initiator: send our BitTorrent handshake as IA (otherwise after PadD)
     * @param maxInitialPayload responder: the largest len(IA) accepted
     * @param random           pads, pad lengths and the private exponent (a SecureRandom in production)
     * @param cryptoExecutor   where the exponentiations run
     */
    public record Config(Role role, Set<CryptoMethod> provide, EncryptionPolicy policy, byte[] infoHash,
                         Map<String, byte[]> torrents, byte[] peerId, byte[] reserved, boolean handshakeAsIa,
                         int maxInitialPayload, RandomGenerator random, Executor cryptoExecutor) {
    }

    private sealed interface Step permits Need, Next, Async {
    }

    private record Need() implements Step {
    }

    private record Next() implements Step {
    }

    private record Async(CompletionStage<Void> stage) implements Step {
    }

    private static final Step NEED = new Need();
    private static final Step NEXT = new Next();
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final Config config;
    private final Listener listener;
    private final InputBuffer in = new InputBuffer();
    private State state;

    private MseCrypto.KeyPair keys;
    private byte[] secret;
    private byte[] skey;
    private MseCrypto.Rc4 encrypt;
    private MseCrypto.Rc4 decrypt;
    private byte[] encryptedVc;
    private byte[] req1;
    private Set<CryptoMethod> offered = Set.of();
    private CryptoMethod selected;
    private int padLength;
    private int iaLength;
    private boolean obfuscated;
    private boolean sentOwnHandshake;

    public HandshakeEngine(Config config, Listener listener) {
        this.config = config;
        this.listener = listener;
        this.state = config.role() == Role.INITIATOR ? State.I_START : State.R_AWAIT_FIRST;
    }

    /** The current state (for tests and diagnostics). */
    public State state() {
        return state;
    }

    /** Bytes buffered and not yet consumed (for tests of the memory bound). */
    public int buffered() {
        return in.readable();
    }

    /** Starts the handshake: the initiator sends its first message; the responder waits. */
    public CompletionStage<Void> start() {
        return drive();
    }

    /** Feeds received bytes. */
    public CompletionStage<Void> onData(byte[] chunk) {
        if (state == State.FAILED) {
            return DONE;
        }
        in.append(chunk);
        return drive();
    }

    /** The handshake timeout fired: fails unless already established. */
    public void timeout(String detail) {
        if (state != State.ESTABLISHED && state != State.FAILED) {
            fail(new MseException.HandshakeTimeout("handshake did not complete in time (" + detail + "; stuck in "
                    + state + " with " + in.readable() + " bytes buffered): the peer stalled"));
        }
    }

    /** The peer closed or reset the connection: fails unless already established. */
    public void peerClosed(String detail) {
        if (state != State.ESTABLISHED && state != State.FAILED) {
            fail(new MseException.PeerClosed("peer closed the connection during the handshake (" + detail
                    + ", in state " + state + "): it rejected the handshake or the policy"));
        }
    }

    /** Encrypts {@code data} for the established stream (a copy), or returns it as is for plaintext. */
    public byte[] encodePayload(byte[] data) {
        if (state != State.ESTABLISHED) {
            throw new IllegalStateException("stream not established (state " + state + ")");
        }
        return selected == CryptoMethod.RC4 ? encrypt.apply(data) : data.clone();
    }

    private CompletionStage<Void> drive() {
        try {
            while (true) {
                Step step = switch (state) {
                    case I_START -> initiatorStart();
                    case I_AWAIT_YB -> awaitYb();
                    case I_AWAIT_VC -> awaitVc();
                    case I_AWAIT_SELECT -> awaitSelect();
                    case I_AWAIT_PAD_D -> awaitPadD();
                    case R_AWAIT_FIRST -> awaitFirst();
                    case R_AWAIT_YA -> awaitYa();
                    case R_AWAIT_REQ1 -> awaitReq1();
                    case R_AWAIT_SKEY -> awaitSkey();
                    case R_AWAIT_PROVIDE -> awaitProvide();
                    case R_AWAIT_PAD_C -> awaitPadC();
                    case R_AWAIT_IA -> awaitIa();
                    case AWAIT_PEER_HANDSHAKE -> awaitPeerHandshake();
                    case ESTABLISHED -> deliverPayload();
                    case FAILED -> NEED;
                };
                switch (step) {
                    case Need n -> {
                        return DONE;
                    }
                    case Next n -> {
                    }
                    case Async a -> {
                        return a.stage().thenCompose(v -> drive());
                    }
                }
            }
        } catch (MseException e) {
            fail(e);
            return DONE;
        }
    }

    private void fail(MseException e) {
        state = State.FAILED;
        in.release();
        keys = null;
        secret = null;
        encrypt = null;
        decrypt = null;
        listener.failed(e);
    }

    /** Runs {@code work} on the crypto executor; the returned stage completes after {@code work}, in this lane. */
    private <T> Step async(Supplier<T> work, java.util.function.Consumer<T> then) {
        CompletableFuture<T> f = new CompletableFuture<>();
        config.cryptoExecutor().execute(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return new Async(f.thenAccept(v -> {
            if (state != State.FAILED) {
                then.accept(v);
            }
        }).exceptionally(t -> {
            Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
                    ? t.getCause() : t;
            if (state != State.FAILED) {
                if (cause instanceof MseException m) {
                    fail(m);
                } else {
                    throw new IllegalStateException("crypto step failed", cause);
                }
            }
            return null;
        }));
    }

    // ---------------------------------------------------------------- initiator

    private Step initiatorStart() {
        if (config.provide().isEmpty()) {
            obfuscated = false;
            sendOwnHandshake(false);
            state = State.AWAIT_PEER_HANDSHAKE;
            return NEXT;
        }
        obfuscated = true;
        skey = config.infoHash();
        state = State.I_AWAIT_YB; // set before the async step so that input queued meanwhile is read in the next state
        return async(() -> MseCrypto.newKeyPair(config.random()), kp -> {
            keys = kp;
            listener.transmit(concat(kp.publicKey(), randomPad()));
        });
    }

    private Step awaitYb() {
        if (keys == null || in.readable() < MseCrypto.KEY_BYTES) {
            return NEED;
        }
        byte[] yb = in.take(MseCrypto.KEY_BYTES);
        MseCrypto.KeyPair kp = keys;
        state = State.I_AWAIT_VC;
        return async(() -> kp.sharedSecret(yb), s -> {
            secret = s;
            encrypt = MseCrypto.rc4("keyA", s, skey);
            decrypt = MseCrypto.rc4("keyB", s, skey);
            encryptedVc = MseCrypto.rc4("keyB", s, skey).apply(VC);
            sendStep3();
        });
    }

    private void sendStep3() {
        byte[] sync = MseCrypto.hash("req1", secret);
        byte[] req2 = MseCrypto.hash("req2", skey);
        byte[] req3 = MseCrypto.hash("req3", secret);
        for (int i = 0; i < req2.length; i++) {
            req2[i] ^= req3[i];
        }
        int padC = config.random().nextInt(MAX_PAD + 1);
        byte[] ia = config.handshakeAsIa() ? ownHandshake().encode() : new byte[0];
        byte[] plain = new byte[VC_LENGTH + 4 + 2 + padC + 2 + ia.length];
        int p = VC_LENGTH;
        putI32(plain, p, CryptoMethod.bits(config.provide()));
        p += 4;
        putU16(plain, p, padC);
        p += 2 + padC;
        putU16(plain, p, ia.length);
        p += 2;
        System.arraycopy(ia, 0, plain, p, ia.length);
        encrypt.apply(plain, 0, plain.length);
        sentOwnHandshake = ia.length > 0;
        listener.transmit(concat(sync, req2, plain));
    }

    private Step awaitVc() {
        if (encryptedVc == null) {
            return NEED;
        }
        int at = in.indexOf(encryptedVc, MAX_PAD);
        if (at < 0) {
            if (in.readable() >= MAX_PAD + VC_LENGTH) {
                throw new MseException.SyncNotFound("responder's encrypted verification constant was not within "
                        + (MAX_PAD + VC_LENGTH) + " bytes after Yb (PadB is at most " + MAX_PAD
                        + "): the peer does not speak MSE, or derived other keys (wrong info-hash?)");
            }
            return NEED;
        }
        in.skip(at + VC_LENGTH);
        decrypt.apply(new byte[VC_LENGTH], 0, VC_LENGTH); // keep our RC4_B in step with the VC just matched
        state = State.I_AWAIT_SELECT;
        return NEXT;
    }

    private Step awaitSelect() {
        if (in.readable() < 6) {
            return NEED;
        }
        in.decrypt(decrypt, 0, 6);
        int select = in.getI32(0);
        int padD = in.getU16(4);
        in.skip(6);
        Set<CryptoMethod> chosen = CryptoMethod.fromBits(select);
        if (Integer.bitCount(select) != 1 || chosen.size() != 1 || !config.provide().containsAll(chosen)) {
            throw new MseException.NoCommonMethod("responder's crypto_select 0x" + Integer.toHexString(select)
                    + " is not exactly one of the offered methods 0x"
                    + Integer.toHexString(CryptoMethod.bits(config.provide())));
        }
        if (padD > MAX_PAD) {
            throw new MseException.PadTooLong("responder's len(PadD) is " + padD + ", above the limit of "
                    + MAX_PAD + " bytes");
        }
        selected = chosen.iterator().next();
        padLength = padD;
        state = State.I_AWAIT_PAD_D;
        return NEXT;
    }

    private Step awaitPadD() {
        if (in.readable() < padLength) {
            return NEED;
        }
        in.decrypt(decrypt, 0, padLength);
        in.skip(padLength);
        if (selected == CryptoMethod.RC4) {
            in.decryptFrom(0, decrypt);
        }
        if (!sentOwnHandshake) {
            sendOwnHandshake(selected == CryptoMethod.RC4);
        }
        state = State.AWAIT_PEER_HANDSHAKE;
        return NEXT;
    }

    // ---------------------------------------------------------------- responder

    private Step awaitFirst() {
        if (in.readable() < BtHandshake.HEADER.length) {
            return NEED;
        }
        if (in.startsWith(BtHandshake.HEADER)) {
            if (!config.policy().acceptsPlainIncoming()) {
                throw new MseException.PolicyRejected("peer sent a plain BitTorrent handshake but the policy is "
                        + config.policy().label() + ", which requires MSE encryption");
            }
            obfuscated = false;
            state = State.AWAIT_PEER_HANDSHAKE;
            return NEXT;
        }
        if (!config.policy().acceptsMseIncoming()) {
            throw new MseException.PolicyRejected("peer did not start with the plain BitTorrent handshake "
                    + "(it is probably an MSE handshake) but the policy is disabled, which accepts plain only");
        }
        obfuscated = true;
        state = State.R_AWAIT_YA;
        return NEXT;
    }

    private Step awaitYa() {
        if (in.readable() < MseCrypto.KEY_BYTES) {
            return NEED;
        }
        byte[] ya = in.take(MseCrypto.KEY_BYTES);
        state = State.R_AWAIT_REQ1;
        return async(() -> {
            MseCrypto.KeyPair kp = MseCrypto.newKeyPair(config.random());
            return new byte[][] {kp.publicKey(), kp.sharedSecret(ya)};
        }, r -> {
            secret = r[1];
            listener.transmit(concat(r[0], randomPad()));
        });
    }

    private Step awaitReq1() {
        if (secret == null) {
            return NEED;
        }
        if (req1 == null) {
            req1 = MseCrypto.hash("req1", secret);
        }
        int at = in.indexOf(req1, MAX_PAD);
        if (at < 0) {
            if (in.readable() >= MAX_PAD + req1.length) {
                throw new MseException.SyncNotFound("initiator's HASH('req1', S) was not within "
                        + (MAX_PAD + req1.length) + " bytes after Ya (PadA is at most " + MAX_PAD
                        + "): the peer does not speak MSE or computed another secret");
            }
            return NEED;
        }
        in.skip(at + req1.length);
        state = State.R_AWAIT_SKEY;
        return NEXT;
    }

    private Step awaitSkey() {
        if (in.readable() < 20) {
            return NEED;
        }
        byte[] masked = in.take(20);
        byte[] req3 = MseCrypto.hash("req3", secret);
        for (int i = 0; i < 20; i++) {
            masked[i] ^= req3[i];
        }
        byte[] infoHash = config.torrents().get(HexFormat.of().formatHex(masked));
        if (infoHash == null) {
            throw new MseException.UnknownInfoHash("initiator asked for a torrent this responder does not serve "
                    + "(HASH('req2', SKEY) matched none of " + config.torrents().size() + " info-hashes)");
        }
        skey = infoHash;
        decrypt = MseCrypto.rc4("keyA", secret, skey);
        encrypt = MseCrypto.rc4("keyB", secret, skey);
        state = State.R_AWAIT_PROVIDE;
        return NEXT;
    }

    private Step awaitProvide() {
        if (in.readable() < VC_LENGTH + 6) {
            return NEED;
        }
        in.decrypt(decrypt, 0, VC_LENGTH + 6);
        for (int i = 0; i < VC_LENGTH; i++) {
            if (in.get(i) != 0) {
                throw new MseException.BadVerificationConstant("initiator's decrypted VC is not 8 zero bytes: "
                        + "the two sides derived different RC4 keys");
            }
        }
        int provide = in.getI32(VC_LENGTH);
        int padC = in.getU16(VC_LENGTH + 4);
        in.skip(VC_LENGTH + 6);
        if (padC > MAX_PAD) {
            throw new MseException.PadTooLong("initiator's len(PadC) is " + padC + ", above the limit of "
                    + MAX_PAD + " bytes");
        }
        offered = CryptoMethod.fromBits(provide);
        selected = config.policy().select(offered).orElseThrow(() -> new MseException.NoCommonMethod(
                "initiator offered crypto_provide 0x" + Integer.toHexString(provide) + " but policy "
                        + config.policy().label() + " accepts "
                        + (config.policy() == EncryptionPolicy.REQUIRED ? "rc4 only" : "plaintext or rc4")));
        padLength = padC;
        state = State.R_AWAIT_PAD_C;
        return NEXT;
    }

    private Step awaitPadC() {
        if (in.readable() < padLength + 2) {
            return NEED;
        }
        in.decrypt(decrypt, 0, padLength + 2);
        in.skip(padLength);
        int ia = in.getU16(0);
        in.skip(2);
        if (ia > config.maxInitialPayload()) {
            throw new MseException.InitialPayloadTooLong("initiator's len(IA) is " + ia + ", above the limit of "
                    + config.maxInitialPayload() + " bytes (one BitTorrent handshake)");
        }
        iaLength = ia;
        state = State.R_AWAIT_IA;
        return NEXT;
    }

    private Step awaitIa() {
        if (in.readable() < iaLength) {
            return NEED;
        }
        in.decrypt(decrypt, 0, iaLength); // IA is always RC4; it stays in the buffer as the start of the stream
        if (selected == CryptoMethod.RC4) {
            in.decryptFrom(iaLength, decrypt);
        }
        int padD = config.random().nextInt(MAX_PAD + 1);
        byte[] step4 = new byte[VC_LENGTH + 4 + 2 + padD];
        putI32(step4, VC_LENGTH, selected.bit());
        putU16(step4, VC_LENGTH + 4, padD);
        encrypt.apply(step4, 0, step4.length);
        listener.transmit(step4);
        state = State.AWAIT_PEER_HANDSHAKE;
        return NEXT;
    }

    // ---------------------------------------------------------------- both

    private Step awaitPeerHandshake() {
        if (in.readable() < BtHandshake.LENGTH) {
            return NEED;
        }
        BtHandshake peer = BtHandshake.decode(in.take(BtHandshake.LENGTH));
        if (config.role() == Role.INITIATOR || obfuscated) {
            if (!Arrays.equals(peer.infoHash(), skey != null ? skey : config.infoHash())) {
                throw new MseException.BadPeerHandshake("peer's BitTorrent handshake names info-hash "
                        + HexFormat.of().formatHex(peer.infoHash()) + ", not the torrent of this connection "
                        + HexFormat.of().formatHex(skey != null ? skey : config.infoHash()));
            }
        } else {
            byte[] known = config.torrents().get(HexFormat.of().formatHex(MseCrypto.hash("req2", peer.infoHash())));
            if (known == null) {
                throw new MseException.UnknownInfoHash("peer's plain BitTorrent handshake asks for info-hash "
                        + HexFormat.of().formatHex(peer.infoHash()) + ", which this responder does not serve");
            }
            skey = known;
        }
        if (config.role() == Role.RESPONDER) {
            sendOwnHandshake(selected == CryptoMethod.RC4);
        }
        state = State.ESTABLISHED;
        keys = null;
        secret = null;
        listener.established(new Result(obfuscated, Optional.ofNullable(selected), peer), in.takeAll());
        return NEED;
    }

    private Step deliverPayload() {
        if (in.readable() > 0) {
            listener.received(in.takeAll());
        }
        return NEED;
    }

    private BtHandshake ownHandshake() {
        return new BtHandshake(config.reserved(), skey != null ? skey : config.infoHash(), config.peerId());
    }

    private void sendOwnHandshake(boolean rc4) {
        byte[] wire = ownHandshake().encode();
        listener.transmit(rc4 ? encrypt.apply(wire) : wire);
        sentOwnHandshake = true;
    }

    private byte[] randomPad() {
        byte[] pad = new byte[config.random().nextInt(MAX_PAD + 1)];
        config.random().nextBytes(pad);
        return pad;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int o = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    private static void putI32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    private static void putU16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }
}
