package dev.interlock.plugin.mls.internal;

import dev.interlock.plugin.mls.MlsException;
import dev.interlock.plugin.mls.MlsException.Reason;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.mls.TreeKEM.LeafIndex;
import org.bouncycastle.mls.TreeKEM.LeafNode;
import org.bouncycastle.mls.TreeKEM.LifeTime;
import org.bouncycastle.mls.TreeKEM.TreeKEMPublicKey;
import org.bouncycastle.mls.codec.Capabilities;
import org.bouncycastle.mls.codec.Credential;
import org.bouncycastle.mls.codec.CredentialType;
import org.bouncycastle.mls.codec.Extension;
import org.bouncycastle.mls.codec.GroupInfo;
import org.bouncycastle.mls.codec.KeyPackage;
import org.bouncycastle.mls.codec.MLSInputStream;
import org.bouncycastle.mls.codec.MLSMessage;
import org.bouncycastle.mls.codec.MLSOutputStream;
import org.bouncycastle.mls.crypto.MlsCipherSuite;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Small helpers around bcmls. Every method that touches a bcmls type must be called inside the {@code MlsLane}
 * (they are plain calls; the lane is the caller's duty). Methods that only hash bytes say so.
 */
public final class Bc {

    /** The cipher suite used for everything: MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 (RFC 9420 §17.1). */
    public static final short SUITE_ID = MlsCipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

    private Bc() {
    }

    /** The suite singleton. In the lane. */
    public static MlsCipherSuite suite() throws Exception {
        return MlsCipherSuite.getSuite(SUITE_ID);
    }

    /** Encodes an MLS structure. In the lane. */
    public static byte[] encode(Object o) throws Exception {
        return MLSOutputStream.encode(o);
    }

    /** Decodes a message that {@link MlsWire#check} has accepted. In the lane. */
    public static MLSMessage decode(byte[] checked) throws Exception {
        return (MLSMessage) MLSInputStream.decode(checked, MLSMessage.class);
    }

    /** The reference of an encoded key-package message: hex SHA-256 of its bytes. Pure JDK; no lane needed. */
    public static String ref(byte[] keyPackageMessage) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(keyPackageMessage));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    /** The identity in a basic credential, or null for other credential types. */
    public static String basicIdentity(Credential credential) {
        if (credential == null || credential.getCredentialType() != CredentialType.basic) {
            return null;
        }
        return new String(credential.getIdentity(), StandardCharsets.UTF_8);
    }

    /**
     * Decodes and checks a key-package message for {@code identity}: suite, basic credential naming {@code identity},
     * signature. In the lane.
     *
     * @throws MlsException FOREIGN_CREDENTIAL, INVALID_KEY_PACKAGE, MALFORMED_MESSAGE
     */
    public static KeyPackage verifyKeyPackage(byte[] message, String identity) throws Exception {
        MlsWire.check(message, Integer.MAX_VALUE, MlsWire.KEY_PACKAGE);
        KeyPackage kp = decode(message).keyPackage;
        if (kp.getSuite().getSuiteID() != SUITE_ID) {
            throw new MlsException(Reason.INVALID_KEY_PACKAGE, "key package uses cipher suite "
                    + kp.getSuite().getSuiteID() + ", expected " + SUITE_ID);
        }
        String named = basicIdentity(kp.getLeafNode().getCredential());
        if (named == null || !named.equals(identity)) {
            throw new MlsException(Reason.FOREIGN_CREDENTIAL, "key package for '" + identity
                    + "' carries the credential of " + (named == null ? "a non-basic credential" : "'" + named + "'")
                    + "; it was not used");
        }
        if (!kp.verify()) {
            throw new MlsException(Reason.INVALID_KEY_PACKAGE, "key package for '" + identity
                    + "' has an invalid signature; it was not used");
        }
        return kp;
    }

    /** A leaf node for {@code identity}. In the lane. */
    public static LeafNode leafNode(MlsCipherSuite suite, byte[] encryptionPub, AsymmetricCipherKeyPair sig,
                                    String identity) throws Exception {
        return new LeafNode(suite, encryptionPub, suite.serializeSignaturePublicKey(sig.getPublic()),
                Credential.forBasic(identity.getBytes(StandardCharsets.UTF_8)), new Capabilities(), new LifeTime(),
                new ArrayList<Extension>(), suite.serializeSignaturePrivateKey(sig.getPrivate()));
    }

    /** The ratchet tree carried in a GroupInfo's extensions, or null. In the lane. */
    public static TreeKEMPublicKey treeOf(GroupInfo info) throws Exception {
        for (Extension e : info.getExtensions()) {
            TreeKEMPublicKey t = e.getRatchetTree();
            if (t != null) {
                t.setSuite(info.getSuite());
                return t;
            }
        }
        return null;
    }

    /** The leaf index of the member with {@code identity}, or null. In the lane. */
    public static LeafIndex findMember(TreeKEMPublicKey tree, String identity) {
        for (int i = 0; i < tree.getSize().leafCount(); i++) {
            LeafIndex index = new LeafIndex(i);
            LeafNode leaf = tree.getLeafNode(index);
            if (leaf != null && identity.equals(basicIdentity(leaf.getCredential()))) {
                return index;
            }
        }
        return null;
    }

    /** Identities of the members in leaf order. In the lane. */
    public static java.util.List<String> members(TreeKEMPublicKey tree) {
        java.util.List<String> out = new ArrayList<>();
        for (int i = 0; i < tree.getSize().leafCount(); i++) {
            LeafNode leaf = tree.getLeafNode(new LeafIndex(i));
            if (leaf != null) {
                out.add(basicIdentity(leaf.getCredential()));
            }
        }
        return out;
    }

    /** Whether the leaf at {@code index} holds {@code signaturePub}. In the lane. */
    public static boolean leafHasKey(TreeKEMPublicKey tree, LeafIndex index, byte[] signaturePub) {
        if (!tree.hasLeaf(index)) {
            return false;
        }
        LeafNode leaf = tree.getLeafNode(index);
        return leaf != null && Arrays.equals(leaf.getSignatureKey(), signaturePub);
    }
}
