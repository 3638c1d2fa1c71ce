package dev.interlock.plugin.voice;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Supplies credentials for one connection attempt. Called once per attempt, never cached by the session, so that
 * each attempt gets a fresh ephemeral token (they expire within minutes). A failed stage fails that attempt only.
 */
@FunctionalInterface
public interface CredentialsProvider {

    CompletionStage<Credentials> credentials();

    /** Always the same credentials (for a long-lived key, or none). */
    static CredentialsProvider fixed(Credentials credentials) {
        return () -> CompletableFuture.completedFuture(credentials);
    }
}
