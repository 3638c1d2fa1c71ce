package dev.interlock.plugin.mls.internal;

import dev.interlock.plugin.mls.MlsException;
import dev.interlock.plugin.mls.MlsException.Reason;
import org.bouncycastle.mls.KeyGeneration;
import org.bouncycastle.mls.KeyScheduleEpoch;
import org.bouncycastle.mls.crypto.MlsCipherSuite;
import org.bouncycastle.mls.protocol.Group;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;

/**
 * Decrypts a PrivateMessage's sender data (RFC 9420 §6.3.2) with the group's sender_data_secret: which leaf sent it,
 * with which generation of its ratchet and which reuse_guard. bcmls's {@code unprotect} does not say who the sender
 * was; this does, from authenticated data only members can produce. Call in the {@code MlsLane}.
 *
 * @param leafIndex  the sender's leaf
 * @param generation the generation of the sender's ratchet (together with the epoch and leaf this fixes the AEAD key
 *                   and nonce, up to reuse_guard)
 * @param reuseGuard the 4-byte reuse_guard
 */
public record SenderData(int leafIndex, int generation, byte[] reuseGuard) {

    /** Decrypts the sender data of {@code message} (already checked by {@link MlsWire#check}) in {@code group}. */
    public static SenderData of(Group group, byte[] message) throws Exception {
        MlsWire.PrivateFields f = MlsWire.privateFields(message);
        MlsCipherSuite suite = group.getSuite();
        // A copy: deriving from a Secret zeroes its bytes, and value() is the group's own array.
        byte[] senderDataSecret = group.getKeySchedule().senderDataSecret.value().clone();
        KeyGeneration keys = KeyScheduleEpoch.senderDataKeys(suite, senderDataSecret, f.ciphertext());
        ByteArrayOutputStream aad = new ByteArrayOutputStream();
        writeVarint(aad, f.groupId().length);
        aad.write(f.groupId());
        aad.write(ByteBuffer.allocate(8).putLong(f.epoch()).array());
        aad.write(f.contentType());
        byte[] plain;
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(keys.key, "AES"), new GCMParameterSpec(128, keys.nonce));
            gcm.updateAAD(aad.toByteArray());
            plain = gcm.doFinal(f.encryptedSenderData());
        } catch (GeneralSecurityException e) {
            throw new MlsException(Reason.MALFORMED_MESSAGE, "sender data of a private message does not decrypt "
                    + "in epoch " + group.getEpoch());
        }
        if (plain.length != 12) {
            throw new MlsException(Reason.MALFORMED_MESSAGE, "sender data of " + plain.length
                    + " bytes, expected 12");
        }
        ByteBuffer b = ByteBuffer.wrap(plain);
        int leaf = b.getInt();
        int generation = b.getInt();
        byte[] guard = new byte[4];
        b.get(guard);
        return new SenderData(leaf, generation, guard);
    }

    private static void writeVarint(ByteArrayOutputStream out, int n) {
        if (n < 64) {
            out.write(n);
        } else if (n < 16384) {
            out.write(0x40 | (n >>> 8));
            out.write(n & 0xFF);
        } else {
            out.write(0x80 | (n >>> 24));
            out.write((n >>> 16) & 0xFF);
            out.write((n >>> 8) & 0xFF);
            out.write(n & 0xFF);
        }
    }
}
