package dev.interlock.plugin.ratchet.internal;

import dev.interlock.plugin.ratchet.KeyExchange;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.SecretWithEncapsulation;
import org.bouncycastle.crypto.agreement.X25519Agreement;
import org.bouncycastle.crypto.generators.MLKEMKeyPairGenerator;
import org.bouncycastle.crypto.kems.MLKEMExtractor;
import org.bouncycastle.crypto.kems.MLKEMGenerator;
import org.bouncycastle.crypto.params.MLKEMKeyGenerationParameters;
import org.bouncycastle.crypto.params.MLKEMParameters;
import org.bouncycastle.crypto.params.MLKEMPrivateKeyParameters;
import org.bouncycastle.crypto.params.MLKEMPublicKeyParameters;
import org.bouncycastle.crypto.params.X25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.X25519PublicKeyParameters;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * Hybrid ML-KEM-768 + X25519 on BouncyCastle's low-level API, combined X-Wing style
 * (draft-connolly-cfrg-xwing-kem): {@code SHA3-256(ss_M || ss_X || ct_X || pk_X || "\.//^\")}. The X25519 half is an
 * ephemeral-static DH: Bob's ephemeral public key is its "ciphertext".
 *
 * <p>Public key = ML-KEM public key (1,184) || X25519 public key (32); ciphertext = ML-KEM ciphertext (1,088) ||
 * X25519 ephemeral public key (32).
 */
public final class HybridMlKemX25519 implements KeyExchange {

    private static final MLKEMParameters PARAMS = MLKEMParameters.ml_kem_768;
    private static final int MLKEM_PK = 1184;
    private static final int MLKEM_CT = 1088;
    private static final int X_LEN = X25519PublicKeyParameters.KEY_SIZE;
    private static final byte[] XWING_LABEL = {0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c};

    private final SecureRandom random;

    public HybridMlKemX25519(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public String name() {
        return "ML-KEM-768+X25519";
    }

    @Override
    public int publicKeyLength() {
        return MLKEM_PK + X_LEN;
    }

    @Override
    public int ciphertextLength() {
        return MLKEM_CT + X_LEN;
    }

    @Override
    public PendingKey generate() {
        MLKEMKeyPairGenerator generator = new MLKEMKeyPairGenerator();
        generator.init(new MLKEMKeyGenerationParameters(random, PARAMS));
        AsymmetricCipherKeyPair pair = generator.generateKeyPair();
        X25519PrivateKeyParameters x = new X25519PrivateKeyParameters(random);
        byte[] pk = Kdf.concat(((MLKEMPublicKeyParameters) pair.getPublic()).getEncoded(),
                x.generatePublicKey().getEncoded());
        return new Pending(pk, (MLKEMPrivateKeyParameters) pair.getPrivate(), x);
    }

    @Override
    public Encapsulation encapsulate(byte[] publicKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey.length != publicKeyLength()) {
            throw new IllegalArgumentException("hybrid public key must be " + publicKeyLength() + " bytes, was "
                    + publicKey.length);
        }
        MLKEMPublicKeyParameters mlkem;
        try {
            mlkem = new MLKEMPublicKeyParameters(PARAMS, Arrays.copyOfRange(publicKey, 0, MLKEM_PK));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid ML-KEM-768 public key: " + e.getMessage());
        }
        byte[] peerX = Arrays.copyOfRange(publicKey, MLKEM_PK, publicKey.length);
        SecretWithEncapsulation kem = new MLKEMGenerator(random).generateEncapsulated(mlkem);
        X25519PrivateKeyParameters ephemeral = new X25519PrivateKeyParameters(random);
        byte[] ephemeralPublic = ephemeral.generatePublicKey().getEncoded();
        byte[] ssX = agree(ephemeral, peerX);
        byte[] ssM = kem.getSecret();
        byte[] secret = Kdf.sha3(ssM, ssX, ephemeralPublic, peerX, XWING_LABEL);
        Arrays.fill(ssX, (byte) 0);
        Arrays.fill(ssM, (byte) 0);
        return new Encapsulation(Kdf.concat(kem.getEncapsulation(), ephemeralPublic), secret);
    }

    private static byte[] agree(X25519PrivateKeyParameters own, byte[] peerPublic) {
        X25519Agreement agreement = new X25519Agreement();
        agreement.init(own);
        byte[] out = new byte[agreement.getAgreementSize()];
        try {
            agreement.calculateAgreement(new X25519PublicKeyParameters(peerPublic, 0), out, 0);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("X25519 public key of small order (agreement is all zero)");
        }
        return out;
    }

    private final class Pending implements PendingKey {
        private final byte[] publicKey;
        private MLKEMPrivateKeyParameters mlkem;
        private X25519PrivateKeyParameters x;

        Pending(byte[] publicKey, MLKEMPrivateKeyParameters mlkem, X25519PrivateKeyParameters x) {
            this.publicKey = publicKey;
            this.mlkem = mlkem;
            this.x = x;
        }

        @Override
        public byte[] publicKey() {
            return publicKey.clone();
        }

        @Override
        public byte[] decapsulate(byte[] ciphertext) {
            Objects.requireNonNull(ciphertext, "ciphertext");
            if (mlkem == null) {
                throw new IllegalStateException("pending hybrid key was already closed");
            }
            if (ciphertext.length != ciphertextLength()) {
                throw new IllegalArgumentException("hybrid ciphertext must be " + ciphertextLength()
                        + " bytes, was " + ciphertext.length);
            }
            byte[] ssM = new MLKEMExtractor(mlkem).extractSecret(Arrays.copyOfRange(ciphertext, 0, MLKEM_CT));
            byte[] ephemeralPublic = Arrays.copyOfRange(ciphertext, MLKEM_CT, ciphertext.length);
            byte[] ssX = agree(x, ephemeralPublic);
            byte[] ownX = Arrays.copyOfRange(publicKey, MLKEM_PK, publicKey.length);
            byte[] secret = Kdf.sha3(ssM, ssX, ephemeralPublic, ownX, XWING_LABEL);
            Arrays.fill(ssX, (byte) 0);
            Arrays.fill(ssM, (byte) 0);
            return secret;
        }

        @Override
        public void close() {
            mlkem = null;
            x = null;
        }
    }
}
