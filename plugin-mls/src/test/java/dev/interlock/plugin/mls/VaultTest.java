package dev.interlock.plugin.mls;

import dev.interlock.plugin.mls.MlsException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VaultTest {

    @TempDir
    Path dir;

    private static final char[] PW = "s3cret-Passw0rd".toCharArray();
    private static final Vault.KdfParams KDF = new Vault.KdfParams(1024, 2, 1);

    private Path written(String content) throws IOException {
        Path file = dir.resolve("v.vault");
        Vault.create(file, PW, KDF).write(content.getBytes(StandardCharsets.UTF_8));
        return file;
    }

    @Test
    void writeThenOpen_samePassword_returnsPlaintextInA0600File() throws IOException {
        Path file = written("hello vault");
        assertThat(new String(Vault.open(file, PW).plaintext(), StandardCharsets.UTF_8)).isEqualTo("hello vault");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file, StandardCharsets.ISO_8859_1)).doesNotContain("hello vault");
    }

    @Test
    void open_wrongPassword_failsWithWrongPasswordAndNoSecretInTheMessage() throws IOException {
        Path file = written("x");
        assertThatThrownBy(() -> Vault.open(file, "guess".toCharArray()))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.VAULT_WRONG_PASSWORD))
                .hasMessageContaining("wrong password")
                .hasMessageNotContaining("guess")
                .hasMessageNotContaining(new String(PW));
    }

    @Test
    void open_tamperedBody_failsWithTampered() throws IOException {
        Path file = written("some state");
        byte[] b = Files.readAllBytes(file);
        b[b.length - 20] ^= 1;
        Files.write(file, b);
        assertThatThrownBy(() -> Vault.open(file, PW))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.VAULT_TAMPERED))
                .hasMessageContaining("contents were modified");
    }

    @Test
    void open_tamperedHeader_failsWithTamperedNotWrongPassword() throws IOException {
        Path file = written("some state");
        byte[] b = Files.readAllBytes(file);
        b[20] ^= 1; // inside the salt
        Files.write(file, b);
        assertThatThrownBy(() -> Vault.open(file, PW))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.VAULT_TAMPERED))
                .hasMessageContaining("header was modified");
    }

    @Test
    void open_notAVaultOrTruncated_failsWithCorrupt() throws IOException {
        Path file = dir.resolve("plain.txt");
        Files.writeString(file, "just text, not a vault at all, long enough to pass the size check ................"
                + "..........................................................................................");
        assertThatThrownBy(() -> Vault.open(file, PW))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.VAULT_CORRUPT));
        Path vault = written("x");
        Files.write(vault, java.util.Arrays.copyOf(Files.readAllBytes(vault), 40));
        assertThatThrownBy(() -> Vault.open(vault, PW))
                .isInstanceOfSatisfying(MlsException.class, 
                        e -> assertThat(e.reason()).isEqualTo(Reason.VAULT_CORRUPT));
    }

    @Test
    void write_crashMidWrite_leavesThePreviousVaultAndTheNextWriteSucceeds() throws IOException {
        Path file = dir.resolve("v.vault");
        Vault.Sealer sealer = Vault.create(file, PW, KDF);
        sealer.write("version 1".getBytes(StandardCharsets.UTF_8));
        sealer.writeHook((written, total) -> {
            if (written < total) {
                throw new IOException("simulated crash after " + written + " of " + total + " bytes");
            }
        });
        assertThatThrownBy(() -> sealer.write("version 2 with more bytes".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IOException.class).hasMessageContaining("simulated crash");
        assertThat(new String(Vault.open(file, PW).plaintext(), StandardCharsets.UTF_8)).isEqualTo("version 1");
        assertThat(dir.resolve("v.vault.tmp")).exists();

        sealer.writeHook(Vault.WriteHook.NONE);
        sealer.write("version 3".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(Vault.open(file, PW).plaintext(), StandardCharsets.UTF_8)).isEqualTo("version 3");
    }

    @Test
    void write_processKilledMidWrite_leavesThePreviousVault() throws Exception {
        Path file = written("before the crash");
        List<String> cmd = new ArrayList<>(ChildJvm.command(VaultCrashChild.class));
        cmd.add(file.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write((new String(PW) + "\n").getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("child output: %s", out).isEqualTo(VaultCrashChild.HALTED);
        assertThat(new String(Vault.open(file, PW).plaintext(), StandardCharsets.UTF_8)).isEqualTo("before the crash");
    }
}
