package dev.interlock.plugin.telegram.demo;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.plugin.telegram.TelegramBridgePlugin;
import dev.interlock.plugin.telegram.cli.StandaloneContext;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code interlock demo} scenario of the bridge: it passes for real, and a broken invariant is reported. */
class BridgeDemoTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void run_fullSize_everyInvariantHoldsAndEverythingIsReleased() throws Exception {
        Set<String> threadsBefore = platformThreads();
        Set<Path> tempBefore = demoTempDirs();
        DemoScenario demo = new TelegramBridgePlugin().demo().orElseThrow();
        assertThat(demo).isInstanceOf(BridgeDemo.class);
        List<String> progress = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        DemoResult result = demo.run(StandaloneContext.of(Scheduler.virtualThreads(), Map.of(), dir),
                line -> progress.add(String.format("[%.2f s] %s", (System.nanoTime() - start) / 1e9, line)));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("telegram-bridge demo: %s in %.2f s%n  %s%n  %s%n", result.ran(), seconds,
                String.join("\n  ", progress), result.invariants());

        assertThat(result.passed()).as("%s", result.invariants()).isTrue();
        assertThat(result.invariants()).extracting(DemoResult.Invariant::name).containsExactly(
                "events acknowledged", "topics per session", "events lost", "events duplicated",
                "per-session order intact", "429s honoured");
        assertThat(result.invariants()).extracting(i -> i.name() + ": " + i.observed())
                .contains("events acknowledged: 500/500", "topics per session: 1", "events lost: 0",
                        "per-session order intact: yes");
        assertThat(result.ran()).startsWith("50 sessions x 10 events, 5 connections, 50 topics");
        assertThat(progress).hasSize(3);
        assertThat(String.join("\n", progress) + demo.description()).doesNotContain("1000:");
        assertThat(demoTempDirs()).as("temp dirs left behind").isEqualTo(tempBefore);
        awaitNoNewThreads(threadsBefore);
    }

    @Test
    void check_brokenRuns_eachInvariantReportedFailing() {
        int sessions = 2;
        int events = 2;
        Map<String, Long> acks = new HashMap<>(Map.of("s0-e0", 1L, "s0-e1", 2L, "s1-e0", 3L, "s1-e1", 4L));
        List<BotApiEmulator.Call> calls = new ArrayList<>(List.of(
                call("sendMessage", 200, "", 0),
                call("sendMessage", 429, "Too Many Requests: retry after 1", 10),
                call("getUpdates", 200, "", 20),
                call("sendMessage", 200, "", TimeUnit.SECONDS.toNanos(1) + 10)));
        List<BotApiEmulator.Topic> good = List.of(topic(1, "event s0-e0\n\nevent s0-e1"), topic(2, "event s1-e0",
                "event s1-e1"));
        assertThat(BridgeDemo.check(sessions, events, acks, good, calls)).allMatch(DemoResult.Invariant::holds);

        // seed 004 RC#1: a second topic for session 1
        List<BotApiEmulator.Topic> twoTopics = List.of(topic(1, "event s0-e0 event s0-e1"), topic(2, "event s1-e0"),
                topic(3, "event s1-e1"));
        assertThat(invariant(BridgeDemo.check(sessions, events, acks, twoTopics, calls), "topics per session"))
                .satisfies(i -> {
                    assertThat(i.holds()).isFalse();
                    assertThat(i.observed()).startsWith("max 2");
                });
        // an event lost, another delivered twice
        List<BotApiEmulator.Topic> lossy = List.of(topic(1, "event s0-e0", "event s0-e0"), topic(2, "event s1-e0",
                "event s1-e1"));
        List<DemoResult.Invariant> lossyCheck = BridgeDemo.check(sessions, events, acks, lossy, calls);
        assertThat(invariant(lossyCheck, "events lost").observed()).isEqualTo("1");
        assertThat(invariant(lossyCheck, "events duplicated").observed()).isEqualTo("1");
        // seed 004 RC#2: delivered out of acceptance order
        List<BotApiEmulator.Topic> reordered = List.of(topic(1, "event s0-e1", "event s0-e0"), topic(2,
                "event s1-e0", "event s1-e1"));
        assertThat(invariant(BridgeDemo.check(sessions, events, acks, reordered, calls), "per-session order intact"))
                .satisfies(i -> assertThat(i.holds()).isFalse());
        // a 429 not waited out
        List<BotApiEmulator.Call> impatient = new ArrayList<>(calls);
        impatient.set(3, call("sendMessage", 200, "", 500_000_000L));
        assertThat(invariant(BridgeDemo.check(sessions, events, acks, good, impatient), "429s honoured"))
                .satisfies(i -> {
                    assertThat(i.holds()).isFalse();
                    assertThat(i.observed()).isEqualTo("0/1");
                });
        // an event never acknowledged
        acks.remove("s1-e1");
        assertThat(invariant(BridgeDemo.check(sessions, events, acks, good, calls), "events acknowledged").holds())
                .isFalse();
    }

    private static DemoResult.Invariant invariant(List<DemoResult.Invariant> all, String name) {
        return all.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    private static BotApiEmulator.Call call(String method, int status, String description, long at) {
        return new BotApiEmulator.Call(method, null, status, description, at);
    }

    private static BotApiEmulator.Topic topic(long threadId, String... texts) {
        List<BotApiEmulator.Message> ms = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            ms.add(new BotApiEmulator.Message(threadId * 100 + i, threadId, texts[i], null, false));
        }
        return new BotApiEmulator.Topic(threadId, "t" + threadId, "OPEN", ms);
    }

    private static Set<Path> demoTempDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("interlock-telegram-demo-"))
                    .collect(Collectors.toSet());
        }
    }

    private static Set<String> platformThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isVirtual() && t.isAlive())
                .map(t -> t.getName() + "#" + t.threadId()).collect(Collectors.toSet());
    }

    /** Threads the demo started must end; waits a little for them to finish exiting. */
    private static void awaitNoNewThreads(Set<String> before) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            Set<String> added = platformThreads();
            added.removeAll(before);
            // the JVM's own lazily started threads (virtual-thread carriers and pollers, the process reaper) and
            // the host scheduler's timer belong to the process, not to the demo
            added.removeIf(n -> Stream.of("ForkJoinPool", "VirtualThread-", "MasterPoller", "Read-Poller",
                    "Write-Poller", "process reaper", "Common-Cleaner", "Attach Listener", "interlock-timer")
                    .anyMatch(n::startsWith));
            if (added.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("threads left running by the demo: " + added);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }
}
