package dev.interlock.plugin.mls;

import dev.interlock.plugin.mls.MlsException.Reason;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;

/**
 * A file sealed with a key derived from a password: Argon2id (BouncyCastle {@link Argon2BytesGenerator}) and
 * AES-256-GCM.
 *
 * <h2>Format (version 1)</h2>
 * <pre>
 *   "ILKV" | version u8 = 1 | memoryKiB u32 | iterations u32 | parallelism u8 | salt[16]
 *   | verifier[32] = HMAC-SHA256(macKey, "interlock vault verifier" || preceding header bytes)
 *   | headerSum[32] = SHA-256(preceding header bytes)
 *   | nonce[12] | AES-256-GCM(encKey, nonce, aad = header) ciphertext || tag[16]
 * </pre>
 * Argon2id(password, salt) yields 64 bytes: {@code encKey} (first 32) and {@code macKey} (last 32). The unkeyed
 * header sum tells accidental or deliberate corruption of the header ({@link Reason#VAULT_TAMPERED}) from a wrong
 * password (verifier mismatch: {@link Reason#VAULT_WRONG_PASSWORD}); a body that fails GCM authentication is
 * {@link Reason#VAULT_TAMPERED}. Messages never contain the password or key material.
 *
 * <h2>Atomic writes</h2>
 * {@link Sealer#write} writes a temporary file created with permissions 0600 in the vault's directory, forces it to
 * disk, atomically renames it over the vault and forces the directory: a crash at any point leaves either the
 * previous vault or the new one, never a mix. Leftover temporary files are ignored and replaced by the next write.
 *
 * <p>Instances are immutable; {@link Sealer} is thread-safe (each write uses a fresh random nonce).
 */
public final class Vault {

    private static final byte[] MAGIC = {'I', 'L', 'K', 'V'};
    private static final int VERSION = 1;
    private static final int SALT = 16, MAC = 32, SUM = 32, NONCE = 12, TAG = 16;
    private static final int PARAMS = 4 + 1 + 4 + 4 + 1;
    private static final int HEADER = PARAMS + SALT + MAC + SUM;
    /** Largest vault file read, in bytes. */
    public static final int MAX_VAULT_BYTES = 64 << 20;
    /** Largest Argon2 memory cost accepted from a file, in KiB (1 GiB): a forged header cannot exhaust memory. */
    public static final int MAX_MEMORY_KIB = 1 << 20;

    /**
     * Argon2id cost parameters.
     *
     * @param memoryKiB   memory in KiB (at least 8 * parallelism)
     * @param iterations  passes (at least 1)
     * @param parallelism lanes (1..16)
     */
    public record KdfParams(int memoryKiB, int iterations, int parallelism) {
        public KdfParams {
            if (parallelism < 1 || parallelism > 16 || iterations < 1 || iterations > 100
                    || memoryKiB < 8 * parallelism || memoryKiB > MAX_MEMORY_KIB) {
                throw new IllegalArgumentException("Argon2id parameters out of range: memoryKiB=" + memoryKiB
                        + " (8*parallelism.." + MAX_MEMORY_KIB + "), iterations=" + iterations
                        + " (1..100), parallelism=" + parallelism + " (1..16)");
            }
        }

        /** 64 MiB, 3 passes, 1 lane (RFC 9106 §4, second recommended option). */
        public static KdfParams interactive() {
            return new KdfParams(64 * 1024, 3, 1);
        }
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private Vault() {
    }

    /** Whether a vault file exists at {@code file}. */
    public static boolean exists(Path file) {
        return Files.isRegularFile(file);
    }

    /** Derives a key for a new vault at {@code file} (nothing is written until {@link Sealer#write}). */
    public static Sealer create(Path file, char[] password, KdfParams params) {
        byte[] salt = new byte[SALT];
        RANDOM.nextBytes(salt);
        return new Sealer(file, params, salt, derive(password, salt, params));
    }

    /** The result of opening a vault: the plaintext, and a sealer that re-seals under the same key. */
    public record Opened(byte[] plaintext, Sealer sealer) {
    }

    /**
     * Opens and decrypts the vault at {@code file}.
     *
     * @throws MlsException VAULT_WRONG_PASSWORD, VAULT_TAMPERED, VAULT_CORRUPT (also if the file is missing)
     */
    public static Opened open(Path file, char[] password) {
        byte[] data;
        try {
            long size = Files.size(file);
            if (size > MAX_VAULT_BYTES) {
                throw new MlsException(Reason.VAULT_CORRUPT, "vault " + file + " is " + size
                        + " bytes, over the limit of " + MAX_VAULT_BYTES);
            }
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MlsException(Reason.VAULT_CORRUPT, "no vault at " + file + "; create one first");
        } catch (IOException e) {
            throw new MlsException(Reason.VAULT_CORRUPT, "cannot read vault " + file + ": " + e.getMessage());
        }
        if (data.length < HEADER + NONCE + TAG || !Arrays.equals(data, 0, 4, MAGIC, 0, 4)) {
            throw new MlsException(Reason.VAULT_CORRUPT, file + " is not an Interlock vault (" + data.length
                    + " bytes, no 'ILKV' header)");
        }
        if (data[4] != VERSION) {
            throw new MlsException(Reason.VAULT_CORRUPT, "vault " + file + " has format version " + data[4]
                    + "; this build reads version " + VERSION);
        }
        byte[] sum = sha256(data, 0, HEADER - SUM);
        if (!MessageDigest.isEqual(sum, Arrays.copyOfRange(data, HEADER - SUM, HEADER))) {
            throw new MlsException(Reason.VAULT_TAMPERED, "vault " + file
                    + " header was modified after it was written (checksum mismatch)");
        }
        ByteBuffer h = ByteBuffer.wrap(data, 5, PARAMS - 5);
        KdfParams params;
        try {
            params = new KdfParams(h.getInt(), h.getInt(), h.get());
        } catch (IllegalArgumentException e) {
            throw new MlsException(Reason.VAULT_TAMPERED, "vault " + file + " header: " + e.getMessage());
        }
        byte[] salt = Arrays.copyOfRange(data, PARAMS, PARAMS + SALT);
        byte[] key = derive(password, salt, params);
        byte[] verifier = verifier(key, data);
        if (!MessageDigest.isEqual(verifier, Arrays.copyOfRange(data, PARAMS + SALT, PARAMS + SALT + MAC))) {
            Arrays.fill(key, (byte) 0);
            throw new MlsException(Reason.VAULT_WRONG_PASSWORD, "wrong password for vault " + file);
        }
        try {
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, 0, 32, "AES"),
                    new GCMParameterSpec(TAG * 8, data, HEADER, NONCE));
            gcm.updateAAD(data, 0, HEADER);
            byte[] plain = gcm.doFinal(data, HEADER + NONCE, data.length - HEADER - NONCE);
            return new Opened(plain, new Sealer(file, params, salt, key));
        } catch (AEADBadTagException e) {
            throw new MlsException(Reason.VAULT_TAMPERED, "vault " + file
                    + " contents were modified after they were written (authentication failed)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is required by the Java platform", e);
        }
    }

    private static byte[] derive(char[] password, byte[] salt, KdfParams params) {
        Objects.requireNonNull(password, "password");
        ByteBuffer encoded = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] pw = new byte[encoded.remaining()];
        encoded.get(pw);
        Arrays.fill(encoded.array(), (byte) 0);
        try {
            Argon2BytesGenerator gen = new Argon2BytesGenerator();
            gen.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                    .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                    .withSalt(salt)
                    .withMemoryAsKB(params.memoryKiB())
                    .withIterations(params.iterations())
                    .withParallelism(params.parallelism())
                    .build());
            byte[] out = new byte[64];
            gen.generateBytes(pw, out);
            return out;
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    private static byte[] verifier(byte[] key, byte[] header) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, 32, 32, "HmacSHA256"));
            mac.update("interlock vault verifier".getBytes(StandardCharsets.US_ASCII));
            mac.update(header, 0, PARAMS + SALT);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by the Java platform", e);
        }
    }

    private static byte[] sha256(byte[] data, int off, int len) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(data, off, len);
            return d.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is required by the Java platform", e);
        }
    }

    /** A test seam: called with the temporary file's channel after each chunk is written. */
    @FunctionalInterface
    public interface WriteHook {
        void afterChunk(int written, int total) throws IOException;

        /** The hook that does nothing. */
        WriteHook NONE = (w, t) -> { };
    }

    /** Seals and writes under one derived key. Thread-safe: writes are serialized. */
    public static final class Sealer {
        private final Path file;
        private final KdfParams params;
        private final byte[] salt;
        private final byte[] key;
        private volatile WriteHook hook = WriteHook.NONE;

        private Sealer(Path file, KdfParams params, byte[] salt, byte[] key) {
            this.file = file.toAbsolutePath();
            this.params = params;
            this.salt = salt;
            this.key = key;
        }

        /** The vault file. */
        public Path file() {
            return file;
        }

        /** Installs a hook called during writes (tests use it to simulate a crash). */
        public void writeHook(WriteHook hook) {
            this.hook = Objects.requireNonNull(hook, "hook");
        }

        /** Encrypts {@code plaintext} into the vault format. */
        public byte[] seal(byte[] plaintext) {
            ByteBuffer out = ByteBuffer.allocate(HEADER + NONCE + plaintext.length + TAG);
            out.put(MAGIC).put((byte) VERSION).putInt(params.memoryKiB()).putInt(params.iterations())
                    .put((byte) params.parallelism()).put(salt);
            byte[] head = Arrays.copyOf(out.array(), PARAMS + SALT);
            out.put(verifier(key, head));
            out.put(sha256(out.array(), 0, HEADER - SUM));
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            out.put(nonce);
            try {
                Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
                gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, 0, 32, "AES"),
                        new GCMParameterSpec(TAG * 8, nonce));
                gcm.updateAAD(out.array(), 0, HEADER);
                out.put(gcm.doFinal(plaintext));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES-GCM is required by the Java platform", e);
            }
            return out.array();
        }

        /**
         * Seals {@code plaintext} and atomically replaces the vault file (see the class documentation).
         *
         * @throws IOException if writing fails; the previous vault is then still intact
         */
        public synchronized void write(byte[] plaintext) throws IOException {
            byte[] sealed = seal(plaintext);
            Path dir = file.getParent();
            Files.createDirectories(dir);
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("temporary vault file " + tmp + " appeared while writing; another writer?", e);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                int chunk = Math.max(1, Math.min(64 * 1024, (sealed.length + 1) / 2)); // at least two chunks
                for (int off = 0; off < sealed.length; off += chunk) {
                    int n = Math.min(chunk, sealed.length - off);
                    ByteBuffer b = ByteBuffer.wrap(sealed, off, n);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                    hook.afterChunk(off + n, sealed.length);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically; the vault needs it", e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // Some file systems cannot open a directory for reading; the rename is still atomic.
            }
        }
    }
}
