package dev.interlock.plugin.mls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Child process: opens the vault, then dies (Runtime.halt, no cleanup) in the middle of writing a new version. */
public final class VaultCrashChild {

    static final int HALTED = 42;

    private VaultCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        char[] pw = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine()
                .toCharArray();
        Vault.Sealer sealer = Vault.open(Path.of(args[0]), pw).sealer();
        sealer.writeHook((written, total) -> {
            if (written < total) {
                Runtime.getRuntime().halt(HALTED);
            }
        });
        sealer.write("after the crash, never complete".repeat(100).getBytes(StandardCharsets.UTF_8));
        System.exit(1);
    }
}
