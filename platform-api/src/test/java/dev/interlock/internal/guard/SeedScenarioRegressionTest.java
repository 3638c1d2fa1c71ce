package dev.interlock.internal.guard;

import dev.interlock.api.guard.KeyedMutex;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.api.guard.Sequencer;
import dev.interlock.api.guard.SingleFlight;
import dev.interlock.api.guard.Watch;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shapes of the five seed post-mortems (shared/seeds), each pinned on the guard that removes it. Deterministic:
 * the manual scheduler runs every callback; "async" steps complete when the test says so.
 */
class SeedScenarioRegressionTest {

    /**
     * Seed 000: onData() appended to a buffer and called processBuffer(), whose async state handler was re-entered by
     * the next onData() before it had finished, so two handlers consumed the same bytes. On a lane, each chunk's
     * handling starts only after the previous handler's stage completed, and every byte is consumed once, in order.
     */
    @Test
    void seed000_processBufferReenteredByOnData_handlersRunOneAtATimeInOrder() {
        Env.Manual env = new Env.Manual();
        OperationQueue lane = env.guard.newOperationQueue("mse-handshake", 64);
        ByteArrayOutputStream consumed = new ByteArrayOutputStream();
        List<CompletableFuture<Void>> slowCrypto = new ArrayList<>();
        AtomicInteger running = new AtomicInteger();
        for (int chunk = 0; chunk < 5; chunk++) {
            byte b = (byte) chunk;
            lane.submit(() -> { // onData -> processBuffer
                assertThat(running.incrementAndGet()).isEqualTo(1);
                consumed.write(b);
                CompletableFuture<Void> sha1 = new CompletableFuture<>(); // awaits sha1()/key derivation
                slowCrypto.add(sha1);
                return sha1.whenComplete((v, e) -> running.decrementAndGet());
            });
        }
        for (int i = 0; i < 5; i++) {
            env.manual.runUntilIdle();
            assertThat(slowCrypto).hasSize(i + 1); // the next handler has not started
            slowCrypto.get(i).complete(null);
        }
        env.manual.runUntilIdle();
        assertThat(consumed.toByteArray()).containsExactly(0, 1, 2, 3, 4);
    }

    /**
     * Seed 001, fix #1: the rekey completed before the listener was registered, so the waiter never woke. A watch on
     * the rekey epoch wakes a waiter that arrives after the epoch already advanced.
     */
    @Test
    void seed001_listenerRegisteredAfterRekeyCompleted_stillObservesIt() throws Exception {
        Env.Manual env = new Env.Manual();
        Watch epoch = env.guard.newWatch("ratchet-epoch", 0);
        epoch.increment(); // the background loop finished the rekey first
        CompletionStage<Long> waiter = epoch.awaitAtLeast(1); // registered "too late"
        assertThat(env.await(waiter)).isEqualTo(1L);
    }

    /**
     * Seed 002: two async calls used the WASM MLS client at once ("recursive use of an object"). Every call through
     * one lane: never two at once, each caller gets its own result or failure.
     */
    @Test
    void seed002_concurrentWasmClientCalls_serializedAndIsolated() throws Exception {
        Env.Manual env = new Env.Manual();
        OperationQueue client = env.guard.newOperationQueue("core-crypto-client", 16);
        AtomicInteger borrowed = new AtomicInteger();
        CompletionStage<String> export = client.call(() -> {
            assertThat(borrowed.incrementAndGet()).isEqualTo(1);
            borrowed.decrementAndGet();
            throw new IllegalStateException("unreachable executed");
        });
        CompletionStage<String> ensure = client.call(() -> {
            assertThat(borrowed.incrementAndGet()).isEqualTo(1);
            borrowed.decrementAndGet();
            return "key packages ensured";
        });
        assertThat(env.failure(export)).hasMessage("unreachable executed");
        assertThat(env.await(ensure)).isEqualTo("key packages ensured");
    }

    /**
     * Seed 003: setDataChannel and onopen both flushed the message queue, double-sending. Both flush triggers go
     * through one lane and the second finds the queue empty: every message is sent exactly once.
     */
    @Test
    void seed003_twoFlushTriggers_eachMessageSentOnce() {
        Env.Manual env = new Env.Manual();
        OperationQueue flushes = env.guard.newOperationQueue("voice-flush", 8);
        List<String> queue = new ArrayList<>(List.of("m1", "m2", "m3"));
        List<String> sent = new ArrayList<>();
        Runnable flush = () -> {
            sent.addAll(queue);
            queue.clear();
        };
        flushes.run(flush); // setDataChannel: channel already open
        flushes.run(flush); // onopen
        env.manual.runUntilIdle();
        assertThat(sent).containsExactly("m1", "m2", "m3");
    }

    /**
     * Seed 004, race condition #1: two events for session-123 both ran ensureSessionExists() and both created a
     * topic. Check-then-act under the session's key (or one single-flight execution) creates one topic.
     */
    @Test
    void seed004_rc1_twoEnsureSessionExistsForOneSession_createOneTopic() throws Exception {
        Env.Manual env = new Env.Manual();
        KeyedMutex<String> sessions = env.guard.newKeyedMutex("telegram-sessions");
        Map<String, Integer> topics = new HashMap<>();
        AtomicInteger created = new AtomicInteger();
        List<CompletionStage<Integer>> callers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            callers.add(sessions.withLock("session-123", () -> {
                Integer topic = topics.get("session-123");
                if (topic == null) {
                    topic = created.incrementAndGet(); // createForumTopic
                    topics.put("session-123", topic);
                }
                return CompletableFuture.completedFuture(topic);
            }));
        }
        assertThat(env.await(callers.get(0))).isEqualTo(1);
        assertThat(env.await(callers.get(1))).isEqualTo(1);
        assertThat(created.get()).isEqualTo(1);

        SingleFlight<String, Integer> create = env.guard.newSingleFlight("topic-create");
        AtomicInteger executions = new AtomicInteger();
        CompletableFuture<Integer> api = new CompletableFuture<>();
        CompletionStage<Integer> a = create.execute("session-456", () -> {
            executions.incrementAndGet();
            return api;
        });
        CompletionStage<Integer> b = create.execute("session-456", () -> {
            executions.incrementAndGet();
            return api;
        });
        env.manual.runUntilIdle();
        api.complete(77);
        assertThat(env.await(a)).isEqualTo(77);
        assertThat(env.await(b)).isEqualTo(77);
        assertThat(executions.get()).isEqualTo(1);
    }

    /** Seed 004, race condition #2: session events delivered out of order. The sequencer restores the order. */
    @Test
    void seed004_rc2_messagesArriveOutOfOrder_deliveredInSequence() {
        ManualScheduler s = new ManualScheduler();
        List<String> delivered = new ArrayList<>();
        Sequencer<String, String> seq = new InJvmSequencer<>("bridge-events", s, Sequencer.Options.defaults(),
                (key, sequence, message) -> delivered.add(message));
        seq.offer("session-123", 1, "message");
        seq.offer("session-123", 0, "session-start");
        s.runUntilIdle();
        assertThat(delivered).containsExactly("session-start", "message");
    }
}
