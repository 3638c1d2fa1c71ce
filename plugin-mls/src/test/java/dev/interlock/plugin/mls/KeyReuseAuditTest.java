package dev.interlock.plugin.mls;

import dev.interlock.plugin.mls.internal.Bc;
import dev.interlock.plugin.mls.internal.SenderData;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.mls.TreeKEM.LeafNode;
import org.bouncycastle.mls.codec.KeyPackage;
import org.bouncycastle.mls.codec.MLSMessage;
import org.bouncycastle.mls.codec.Proposal;
import org.bouncycastle.mls.codec.WireFormat;
import org.bouncycastle.mls.crypto.MlsCipherSuite;
import org.bouncycastle.mls.crypto.Secret;
import org.bouncycastle.mls.protocol.Group;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key-use audit used by the restore and five-member tests can fail: restoring a member by replaying its join
 * (bcmls accepts the same Welcome twice, notes/mls.md) gives two states that send with the same epoch, leaf and
 * generation — the same AEAD key and nonce, since bcmls's reuse_guard is always zero. This is why the client deletes
 * init keys after use and restores by external join instead.
 */
class KeyReuseAuditTest {

    @Test
    void replayedJoin_twoStatesSending_reuseTheSameKeyAndNonce_whichTheAuditDetects() {
        List<String> uses = MlsLane.runExclusive("audit negative control", () -> {
            MlsCipherSuite suite = Bc.suite();
            AsymmetricCipherKeyPair aliceSig = suite.generateSignatureKeyPair();
            AsymmetricCipherKeyPair aliceLeaf = suite.getHPKE().generatePrivateKey();
            LeafNode aliceNode = Bc.leafNode(suite, suite.getHPKE().serializePublicKey(aliceLeaf.getPublic()),
                    aliceSig, "alice");
            Group alice = new Group(new byte[]{1, 2, 3}, suite, aliceLeaf,
                    suite.serializeSignaturePrivateKey(aliceSig.getPrivate()),
                    aliceNode.copy(aliceNode.getEncryptionKey()), new ArrayList<>());

            AsymmetricCipherKeyPair bobSig = suite.generateSignatureKeyPair();
            AsymmetricCipherKeyPair bobInit = suite.getHPKE().generatePrivateKey();
            AsymmetricCipherKeyPair bobEnc = suite.getHPKE().generatePrivateKey();
            byte[] bobSigPriv = suite.serializeSignaturePrivateKey(bobSig.getPrivate());
            KeyPackage kp = new KeyPackage(suite, suite.getHPKE().serializePublicKey(bobInit.getPublic()),
                    Bc.leafNode(suite, suite.getHPKE().serializePublicKey(bobEnc.getPublic()), bobSig, "bob"),
                    new ArrayList<>(), bobSigPriv);

            Group.GroupWithMessage gwm = alice.commit(new Secret(new byte[32]),
                    new Group.CommitOptions(List.of(Proposal.add(kp)), true, true, null),
                    new Group.MessageOptions(false, new byte[0], 0),
                    new Group.CommitParameters(Group.NORMAL_COMMIT_PARAMS));
            gwm.message.wireFormat = WireFormat.mls_welcome;
            MLSMessage welcome = Bc.decode(Bc.encode(gwm.message));
            byte[] initPriv = suite.getHPKE().serializePrivateKey(bobInit.getPrivate());
            Group first = new Group(initPriv, bobEnc, bobSigPriv, kp, welcome.welcome, null, new HashMap<>(),
                    new HashMap<>());
            Group replayed = new Group(initPriv, bobEnc, bobSigPriv, kp, welcome.welcome, null, new HashMap<>(),
                    new HashMap<>());
            List<String> out = new ArrayList<>();
            for (Group g : List.of(first, replayed)) {
                byte[] msg = Bc.encode(g.protect(new byte[0], "different plaintexts".getBytes(), 0));
                SenderData sd = SenderData.of(g, msg);
                out.add(HexFormat.of().formatHex(g.getEpochAuthenticator()) + "/" + sd.leafIndex() + "/"
                        + sd.generation() + "/" + HexFormat.of().formatHex(sd.reuseGuard()));
            }
            return out;
        });
        assertThat(uses.get(0)).as("the audit key of a replayed state").isEqualTo(uses.get(1));
        assertThat(uses.get(0)).endsWith("/00000000");
    }
}
