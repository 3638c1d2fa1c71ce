package dev.interlock.plugin.mls.demo;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mls.MlsClient;
import dev.interlock.plugin.mls.MlsPlugin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code interlock demo} scenario of the MLS plugin: it passes for real, and a broken invariant is reported. */
class MlsDemoTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(120)
    void run_fullSize_everyInvariantHoldsAndEverythingIsReleased() throws Exception {
        Scheduler scheduler = Scheduler.virtualThreads();
        Set<String> threadsBefore = platformThreads();
        Set<Path> tempBefore = demoTempDirs();
        DemoScenario demo = new MlsPlugin().demo().orElseThrow();
        assertThat(demo).isInstanceOf(MlsDemo.class);
        List<String> progress = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        DemoResult result = demo.run(context(scheduler), line -> progress.add(String.format("[%.2f s] %s",
                (System.nanoTime() - start) / 1e9, line)));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("mls demo: %s in %.2f s%n  %s%n  %s%n", result.ran(), seconds,
                String.join("\n  ", progress), result.invariants());

        assertThat(result.passed()).as("%s", result.invariants()).isTrue();
        assertThat(result.invariants()).extracting(i -> i.name() + ": " + i.observed()).containsExactly(
                "members on the same epoch: 5/5", "epoch authenticators equal: yes",
                "messages delivered exactly once: 88/88", "vault round trip: ok", "(key, nonce) reuse: 0");
        assertThat(progress).hasSize(3);
        assertThat(demoTempDirs()).as("temp dirs left behind").isEqualTo(tempBefore);
        awaitNoNewThreads(threadsBefore);
    }

    @Test
    void check_brokenRuns_eachInvariantReportedFailing() {
        byte[] g = {1};
        List<String> five = MlsDemo.NAMES;
        List<MlsClient.GroupStatus> same = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            same.add(new MlsClient.GroupStatus(g, 9, new byte[]{7, 7}, five, 30));
        }
        MlsDemo.Observed seen = new MlsDemo.Observed();
        seen.expect("bob", "alice", "hi");
        seen.delivered("bob", "alice", "hi");
        seen.keyUsed("0707/0/0");
        assertThat(MlsDemo.check(same, seen, "ok")).allMatch(DemoResult.Invariant::holds);

        // one member a commit behind, with another authenticator (seed 002: a member that lost the race)
        List<MlsClient.GroupStatus> split = new ArrayList<>(same);
        split.set(4, new MlsClient.GroupStatus(g, 8, new byte[]{6, 6}, five, 28));
        List<DemoResult.Invariant> diverged = MlsDemo.check(split, seen, "ok");
        assertThat(diverged.get(0)).satisfies(i -> {
            assertThat(i.observed()).isEqualTo("4/5");
            assertThat(i.holds()).isFalse();
        });
        assertThat(diverged.get(1).holds()).isFalse();

        // a message delivered twice, one never, and one to its own sender
        seen.expect("carol", "alice", "hi");
        seen.delivered("bob", "alice", "hi");
        seen.delivered("alice", "alice", "hi");
        assertThat(MlsDemo.check(same, seen, "ok").get(2)).satisfies(i -> {
            assertThat(i.observed()).isEqualTo("0/2 (+1 unexpected)");
            assertThat(i.holds()).isFalse();
        });

        // a vault that did not come back, and a message key used twice
        seen.keyUsed("0707/0/0");
        List<DemoResult.Invariant> rest = MlsDemo.check(same, seen, "a wrong password opened the vault");
        assertThat(rest.get(3).holds()).isFalse();
        assertThat(rest.get(4)).satisfies(i -> {
            assertThat(i.observed()).isEqualTo("1");
            assertThat(i.holds()).isFalse();
        });
    }

    private PluginContext context(Scheduler scheduler) {
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        PluginConfig config = new PluginConfig() {
            @Override
            public Optional<String> get(String key) {
                return Optional.empty();
            }

            @Override
            public int getInt(String key, int defaultValue) {
                return defaultValue;
            }

            @Override
            public Duration getDuration(String key, Duration defaultValue) {
                return defaultValue;
            }

            @Override
            public boolean getBoolean(String key, boolean defaultValue) {
                return defaultValue;
            }

            @Override
            public Set<String> keys() {
                return Set.of();
            }

            @Override
            public Map<String, String> asMap() {
                return Map.of();
            }
        };
        return new PluginContext() {
            @Override
            public String pluginId() {
                return "mls";
            }

            @Override
            public ConcurrencyGuard guard() {
                return guard;
            }

            @Override
            public Scheduler scheduler() {
                return scheduler;
            }

            @Override
            public PluginConfig config() {
                return config;
            }

            @Override
            public Path dataDirectory() {
                return dir;
            }

            @Override
            public System.Logger logger() {
                return System.getLogger("dev.interlock.plugin.mls");
            }

            @Override
            public <T> T instance(Class<T> type) {
                throw new IllegalArgumentException("no injector in this test: " + type.getName());
            }
        };
    }

    private static Set<Path> demoTempDirs() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("interlock-mls-demo-"))
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
            // the JVM's own lazily started threads (virtual-thread carriers and pollers) and the host scheduler's
            // timer belong to the process, not to the demo
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
