package dev.interlock.benchmarks.mls;

import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.mls.TreeKEM.LeafIndex;
import org.bouncycastle.mls.TreeKEM.LeafNode;
import org.bouncycastle.mls.TreeKEM.LifeTime;
import org.bouncycastle.mls.TreeKEM.TreeKEMPublicKey;
import org.bouncycastle.mls.codec.Capabilities;
import org.bouncycastle.mls.codec.Credential;
import org.bouncycastle.mls.codec.CredentialType;
import org.bouncycastle.mls.codec.Extension;
import org.bouncycastle.mls.codec.KeyPackage;
import org.bouncycastle.mls.codec.MLSInputStream;
import org.bouncycastle.mls.codec.MLSMessage;
import org.bouncycastle.mls.codec.MLSOutputStream;
import org.bouncycastle.mls.codec.Proposal;
import org.bouncycastle.mls.codec.WireFormat;
import org.bouncycastle.mls.crypto.MlsCipherSuite;
import org.bouncycastle.mls.crypto.Secret;
import org.bouncycastle.mls.protocol.Group;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * The baseline: the bcmls 1.84 calls plugin-mls's {@code MlsClient} makes for each operation, made directly on the
 * calling thread: same cipher suite (MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519), same constructors and options,
 * same encodings. No operation queue, no lane, no JVM-wide lock, no delivery service, no structural pre-checks, no
 * epoch classification, no vault. Not thread-safe (bcmls is not): one benchmark thread only.
 */
final class Bcmls {

    static final short SUITE_ID = MlsCipherSuite.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Bcmls() {
    }

    static MlsCipherSuite suite() throws Exception {
        return MlsCipherSuite.getSuite(SUITE_ID);
    }

    static byte[] encode(Object o) throws Exception {
        return MLSOutputStream.encode(o);
    }

    static MLSMessage decode(byte[] bytes) throws Exception {
        return (MLSMessage) MLSInputStream.decode(bytes, MLSMessage.class);
    }

    /** A created group and the GroupInfo the client publishes with it. */
    record Created(Group group, byte[] groupInfo) {
    }

    /** A commit: the next epoch's group, the encoded commit, Welcome (or null) and next GroupInfo. */
    record Committed(Group next, byte[] commit, byte[] welcome, byte[] groupInfo) {
    }

    /** One member: a basic credential and an Ed25519 signature key, kept serialized as the client keeps it. */
    static final class Member {
        private final String identity;
        private final byte[] sigPriv;
        private byte[] lastInitPriv;
        private AsymmetricCipherKeyPair lastEnc;
        private KeyPackage lastKeyPackage;

        Member(String identity) throws Exception {
            this.identity = identity;
            MlsCipherSuite suite = suite();
            this.sigPriv = suite.serializeSignaturePrivateKey(suite.generateSignatureKeyPair().getPrivate());
        }

        String identity() {
            return identity;
        }

        private LeafNode leafNode(MlsCipherSuite suite, byte[] encPub) throws Exception {
            AsymmetricCipherKeyPair sig = suite.deserializeSignaturePrivateKey(sigPriv);
            return new LeafNode(suite, encPub, suite.serializeSignaturePublicKey(sig.getPublic()),
                    Credential.forBasic(identity.getBytes(StandardCharsets.UTF_8)), new Capabilities(),
                    new LifeTime(), new ArrayList<Extension>(), suite.serializeSignaturePrivateKey(sig.getPrivate()));
        }

        /** A fresh key package (encoded key-package message); its secrets are kept for {@link #join}. */
        byte[] keyPackage() throws Exception {
            MlsCipherSuite suite = suite();
            AsymmetricCipherKeyPair init = suite.getHPKE().generatePrivateKey();
            AsymmetricCipherKeyPair enc = suite.getHPKE().generatePrivateKey();
            KeyPackage kp = new KeyPackage(suite, suite.getHPKE().serializePublicKey(init.getPublic()),
                    leafNode(suite, suite.getHPKE().serializePublicKey(enc.getPublic())), new ArrayList<>(), sigPriv);
            lastInitPriv = suite.getHPKE().serializePrivateKey(init.getPrivate());
            lastEnc = enc;
            lastKeyPackage = kp;
            return encode(MLSMessage.keyPackage(kp));
        }

        /** MlsClient.createGroup's library work: leaf keys, leaf node, Group, the GroupInfo it publishes. */
        Created createGroup() throws Exception {
            byte[] groupId = new byte[16];
            RANDOM.nextBytes(groupId);
            MlsCipherSuite suite = suite();
            AsymmetricCipherKeyPair leafKeys = suite.getHPKE().generatePrivateKey();
            LeafNode leaf = leafNode(suite, suite.getHPKE().serializePublicKey(leafKeys.getPublic()));
            Group group = new Group(groupId, suite, leafKeys, sigPriv, leaf.copy(leaf.getEncryptionKey()),
                    new ArrayList<>());
            return new Created(group, encode(group.getGroupInfo(true)));
        }

        /** Joins from a Welcome made for this member's last key package. */
        Group join(byte[] welcome) throws Exception {
            return new Group(lastInitPriv, lastEnc, sigPriv, lastKeyPackage, decode(welcome).welcome, null,
                    new HashMap<>(), new HashMap<>());
        }
    }

    /**
     * MlsClient.addMember's library work: decode the claimed key package, check suite, credential and signature,
     * commit the Add with a path and the tree inline, encode the commit, the Welcome and the next GroupInfo.
     */
    static Committed commitAdd(Group group, byte[] keyPackage, String identity) throws Exception {
        KeyPackage kp = decode(keyPackage).keyPackage;
        Credential credential = kp.getLeafNode().getCredential();
        if (kp.getSuite().getSuiteID() != SUITE_ID || credential.getCredentialType() != CredentialType.basic
                || !Arrays.equals(credential.getIdentity(), identity.getBytes(StandardCharsets.UTF_8))
                || !kp.verify()) {
            throw new IllegalStateException("key package for " + identity + " does not verify");
        }
        return commit(group, List.of(Proposal.add(kp)), true);
    }

    /** MlsClient.removeMember's library work. */
    static Committed commitRemove(Group group, String identity) throws Exception {
        TreeKEMPublicKey tree = group.getTree();
        byte[] want = identity.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < tree.getSize().leafCount(); i++) {
            LeafNode leaf = tree.getLeafNode(new LeafIndex(i));
            if (leaf != null && Arrays.equals(leaf.getCredential().getIdentity(), want)) {
                return commit(group, List.of(Proposal.remove(new LeafIndex(i))), false);
            }
        }
        throw new IllegalStateException(identity + " is not in the group");
    }

    /** MlsClient.update's library work (also what the client commits every maxSendsPerEpoch sends). */
    static Committed commitUpdate(Group group) throws Exception {
        return commit(group, List.of(), false);
    }

    private static Committed commit(Group group, List<Proposal> proposals, boolean welcome) throws Exception {
        byte[] leafSecret = new byte[group.getSuite().getKDF().getHashLength()];
        RANDOM.nextBytes(leafSecret);
        Group.GroupWithMessage gwm = group.commit(new Secret(leafSecret),
                new Group.CommitOptions(new ArrayList<>(proposals), true, true, null),
                new Group.MessageOptions(false, new byte[0], 0),
                new Group.CommitParameters(Group.NORMAL_COMMIT_PARAMS));
        byte[] commit = encode(gwm.message);
        byte[] w = null;
        if (welcome) {
            gwm.message.wireFormat = WireFormat.mls_welcome;
            w = encode(gwm.message);
        }
        return new Committed(gwm.group, commit, w, encode(gwm.group.getGroupInfo(true)));
    }

    /** Another member applies a commit. */
    static Group handle(Group group, byte[] commit) throws Exception {
        return group.handle(commit, null);
    }

    /** MlsClient.send's library work: protect and encode. */
    static byte[] protect(Group group, byte[] plaintext) throws Exception {
        return encode(group.protect(new byte[0], plaintext, 0));
    }

    /** The receiving client's library work for an application message: decode and unprotect. */
    static byte[] unprotect(Group group, byte[] message) throws Exception {
        return group.unprotect(decode(message))[1];
    }
}
