package dev.interlock.plugin.voice;

import java.util.concurrent.CompletionStage;

/**
 * Opens a new {@link EventChannel} with the given credentials. A {@link VoiceSession} calls it once per connection
 * attempt, each time with credentials fresh from its {@link CredentialsProvider}.
 *
 * <p>The channel may be returned in {@code CONNECTING} (it opens later) or already {@code OPEN}: the session handles
 * both the same way. A failed stage means "this attempt failed"; the session backs off and tries again.
 */
@FunctionalInterface
public interface ChannelConnector {
    CompletionStage<EventChannel> connect(Credentials credentials);
}
