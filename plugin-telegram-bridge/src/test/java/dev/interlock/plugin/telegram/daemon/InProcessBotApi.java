package dev.interlock.plugin.telegram.daemon;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.plugin.telegram.botapi.BotApi;
import dev.interlock.plugin.telegram.botapi.BotApiException;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import dev.interlock.testkit.DeterministicScheduler;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The emulator reached in-process on a deterministic scheduler: each call is answered after a seeded latency of
 * virtual time; an empty getUpdates answers after its long-poll time. Answers go through the same
 * {@link BotApi#interpret} as the HTTP client's.
 */
final class InProcessBotApi implements BotApi {
    private final BotApiEmulator emulator;
    private final DeterministicScheduler scheduler;
    private final Duration maxLatency;

    InProcessBotApi(BotApiEmulator emulator, DeterministicScheduler scheduler, Duration maxLatency) {
        this.emulator = emulator;
        this.scheduler = scheduler;
        this.maxLatency = maxLatency;
    }

    @Override
    public CompletionStage<JsonNode> call(String method, ObjectNode params, Duration timeout) {
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        long latency = maxLatency.isZero() ? 0 : scheduler.random().nextLong(maxLatency.toNanos() + 1);
        scheduler.schedule(() -> answer(method, params, f, true), Duration.ofNanos(latency));
        return f;
    }

    private void answer(String method, ObjectNode params, CompletableFuture<JsonNode> f, boolean mayWait) {
        BotApiEmulator.Answer a = emulator.handle(method, params);
        if (mayWait && method.equals("getUpdates") && a.status() == 200 && a.body().path("result").isEmpty()
                && params.path("timeout").asLong() > 0) {
            scheduler.schedule(() -> answer(method, params, f, false),
                    Duration.ofSeconds(params.path("timeout").asLong()));
            return;
        }
        try {
            f.complete(BotApi.interpret(method, a.status(), JSON.writeValueAsBytes(a.body())));
        } catch (BotApiException e) {
            f.completeExceptionally(e);
        } catch (JsonProcessingException e) {
            f.completeExceptionally(new IllegalStateException(e));
        }
    }
}
