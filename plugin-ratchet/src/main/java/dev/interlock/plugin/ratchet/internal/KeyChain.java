package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.FrameRejectedException;
import dev.interlock.plugin.ratchet.FrameRejectedException.Reason;
import dev.interlock.plugin.ratchet.Side;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The window of key versions of one channel, and frame sealing/opening under them. Confined to the channel's lane.
 *
 * <h2>Frame layout</h2>
 * <pre>
 *   header (18 bytes, authenticated as AAD):  magic 'I' (1) | type (1) | version (8, BE) | counter (8, BE)
 *   ciphertext: AES-256-GCM(key = send key of (version, direction), nonce = 0x00000000 || counter, aad = header)
 *               of the message body, followed by the 16-byte tag
 * </pre>
 *
 * <h2>Keys</h2>
 * {@code secret_0 = HKDF(salt = "interlock-ratchet/1 root", ikm = session secret)};
 * {@code secret_{v+1} = HKDF(salt = secret_v, ikm = KEM secret, info = "interlock-ratchet/1 chain" || v+1 ||
 * SHA3(public key || ciphertext))}, so every version depends on all earlier ones and on its own exchange. Each
 * version has one AES key per direction (the two halves of {@code HKDF(secret_v, "keys" || v)} expanded to 64 bytes), so (key, nonce) pairs never repeat
 * as long as each direction's counter only grows, which it does: one counter per version and direction, starting at 0.
 *
 * <h2>Checks on open, in order</h2>
 * length and magic (MALFORMED), version above latest (FUTURE_VERSION) or below earliest (TRUNCATED_VERSION), counter
 * already seen (REPLAYED) or below the replay window (BEYOND_REPLAY_WINDOW), tag (TAMPERED). A frame is marked seen only
 * after its tag verified, so a forgery cannot burn a counter.
 */
final class KeyChain {

    /** The first header byte. */
    static final byte MAGIC = 'I';
    /** Header length in bytes. */
    static final int HEADER = 18;
    /** AES-GCM tag length in bytes. */
    static final int TAG = 16;

    private static final byte[] ROOT_SALT = "interlock-ratchet/1 root".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Side side;
    private final int replayWindow;
    private final TreeMap<Long, VersionKeys> versions = new TreeMap<>();
    /** Two ciphers, so that sealing (almost always under the latest send key) and opening do not re-key each other. */
    private final Cipher sealCipher;
    private final Cipher openCipher;

    KeyChain(Side side, byte[] sessionSecret, int replayWindow) {
        this.side = side;
        this.replayWindow = replayWindow;
        try {
            this.sealCipher = Cipher.getInstance("AES/GCM/NoPadding");
            this.openCipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no AES/GCM/NoPadding", e);
        }
        versions.put(0L, new VersionKeys(0, Kdf.hkdf(ROOT_SALT, sessionSecret, Kdf.info("v", 0))));
    }

    long earliest() {
        return versions.firstKey();
    }

    long latest() {
        return versions.lastKey();
    }

    int size() {
        return versions.size();
    }

    boolean contains(long version) {
        return versions.containsKey(version);
    }

    /** The secret of {@link #latest()} chained with {@code kemSecret} and the exchange's transcript. */
    byte[] nextSecret(byte[] kemSecret, byte[] publicKey, byte[] ciphertext) {
        long next = latest() + 1;
        byte[] info = Kdf.concat(Kdf.info("interlock-ratchet/1 chain", next), Kdf.sha3(publicKey, ciphertext));
        return Kdf.hkdf(versions.lastEntry().getValue().secret, kemSecret, info);
    }

    /** Commits {@code latest() + 1} with {@code secret} (taken over). */
    long commit(byte[] secret) {
        long next = latest() + 1;
        versions.put(next, new VersionKeys(next, secret));
        return next;
    }

    /** Drops every version up to and including {@code version}, wiping its keys; keeps at least the latest. */
    int dropThrough(long version) {
        int dropped = 0;
        while (versions.size() > 1 && versions.firstKey() <= version) {
            versions.pollFirstEntry().getValue().destroy();
            dropped++;
        }
        return dropped;
    }

    /** Seals {@code body} as a frame of {@code type} under the latest version. */
    byte[] seal(byte type, byte[] body) {
        VersionKeys keys = versions.lastEntry().getValue();
        long counter = keys.sendCounter++;
        byte[] frame = new byte[HEADER + body.length + TAG];
        frame[0] = MAGIC;
        frame[1] = type;
        putLong(frame, 2, keys.version);
        putLong(frame, 10, counter);
        try {
            sealCipher.init(Cipher.ENCRYPT_MODE, keys.sendKey, new GCMParameterSpec(TAG * 8, nonce(counter)));
            sealCipher.updateAAD(frame, 0, HEADER);
            int n = sealCipher.doFinal(body, 0, body.length, frame, HEADER);
            if (n != body.length + TAG) {
                throw new IllegalStateException("AES-GCM produced " + n + " bytes, expected " + (body.length + TAG));
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM seal failed under version " + keys.version, e);
        }
        return frame;
    }

    /** An opened frame. */
    record Opened(byte type, long version, long counter, byte[] body) {
    }

    /** Authenticates and decrypts {@code frame}; see the class documentation for the checks. */
    Opened open(byte[] frame) {
        if (frame.length < HEADER + TAG) {
            throw new FrameRejectedException(Reason.MALFORMED, "frame of " + frame.length
                    + " bytes is shorter than header + tag (" + (HEADER + TAG) + ")");
        }
        if (frame[0] != MAGIC) {
            throw new FrameRejectedException(Reason.MALFORMED, "frame starts with 0x"
                    + Integer.toHexString(frame[0] & 0xff) + ", expected 0x49 ('I')");
        }
        byte type = frame[1];
        long version = getLong(frame, 2);
        long counter = getLong(frame, 10);
        if (version > latest()) {
            throw new FrameRejectedException(Reason.FUTURE_VERSION, "frame under version " + version
                    + " but the newest committed version is " + latest() + " (window " + earliest() + ".."
                    + latest() + ")");
        }
        VersionKeys keys = versions.get(version);
        if (keys == null) {
            throw new FrameRejectedException(Reason.TRUNCATED_VERSION, "frame under version " + version
                    + ", which is no longer in the window " + earliest() + ".." + latest());
        }
        switch (keys.received.check(counter)) {
            case REPLAYED -> throw new FrameRejectedException(Reason.REPLAYED, "counter " + counter
                    + " under version " + version + " was already accepted");
            case TOO_OLD -> throw new FrameRejectedException(Reason.BEYOND_REPLAY_WINDOW, "counter " + counter
                    + " under version " + version + " is more than " + replayWindow + " below the highest seen ("
                    + keys.received.highest() + ")");
            case FRESH -> { }
        }
        byte[] body;
        try {
            openCipher.init(Cipher.DECRYPT_MODE, keys.receiveKey, new GCMParameterSpec(TAG * 8, nonce(counter)));
            openCipher.updateAAD(frame, 0, HEADER);
            body = openCipher.doFinal(frame, HEADER, frame.length - HEADER);
        } catch (AEADBadTagException e) {
            throw new FrameRejectedException(Reason.TAMPERED, "authentication tag of frame (version " + version
                    + ", counter " + counter + ", " + frame.length + " bytes) does not verify");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM open failed under version " + version, e);
        }
        keys.received.mark(counter);
        return new Opened(type, version, counter, body);
    }

    /** Wipes every key. */
    void destroy() {
        for (Map.Entry<Long, VersionKeys> e : versions.entrySet()) {
            e.getValue().destroy();
        }
    }

    private static byte[] nonce(long counter) {
        byte[] nonce = new byte[12];
        putLong(nonce, 4, counter);
        return nonce;
    }

    static void putLong(byte[] b, int at, long v) {
        for (int i = 0; i < 8; i++) {
            b[at + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xffL);
        }
        return v;
    }

    private final class VersionKeys {
        final long version;
        final byte[] secret;
        final SecretKeySpec sendKey;
        final SecretKeySpec receiveKey;
        final ReplayWindow received;
        long sendCounter;

        VersionKeys(long version, byte[] secret) {
            this.version = version;
            this.secret = secret;
            byte[] both = Kdf.hkdf(null, secret, Kdf.info("interlock-ratchet/1 keys", version), 64);
            boolean initiator = side == Side.INITIATOR;
            // bytes 0..31: initiator-to-responder key; 32..63: responder-to-initiator key
            this.sendKey = new SecretKeySpec(both, initiator ? 0 : 32, 32, "AES");
            this.receiveKey = new SecretKeySpec(both, initiator ? 32 : 0, 32, "AES");
            Arrays.fill(both, (byte) 0);
            this.received = new ReplayWindow(replayWindow);
        }

        void destroy() {
            Arrays.fill(secret, (byte) 0);
        }
    }
}
