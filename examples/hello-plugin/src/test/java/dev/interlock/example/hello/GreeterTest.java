package dev.interlock.example.hello;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.plugin.PluginConfig;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.testkit.DeterministicScheduler;
import dev.interlock.testkit.RaceHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How to test a plugin's service: construct it with the testkit's {@link DeterministicScheduler} (seeded, virtual
 * clock) and the in-JVM guards over it, drive it, and let the scheduler run. {@link RaceHarness} repeats a scenario
 * over many seeds, each a different interleaving, and prints the seed that fails (replay it with
 * {@code -Dinterlock.seed=N}).
 */
class GreeterTest {

    @TempDir
    Path tmp;

    @Test
    void greet_oneName_greetingReturnedAndJournaledWithVirtualTime() throws Exception {
        DeterministicScheduler scheduler = new DeterministicScheduler(1);
        Greeter greeter = greeter(scheduler, tmp, Map.of("greeting", "Hi"));
        CompletableFuture<String> result = greeter.greet("Ada").toCompletableFuture();
        assertThat(result).isNotDone(); // nothing runs on the caller's stack
        scheduler.runUntilIdle();
        assertThat(result).isCompletedWithValue("Hi, Ada!");
        assertThat(Files.readString(tmp.resolve(Greeter.JOURNAL_FILE)))
                .isEqualTo(DeterministicScheduler.START + " #1 Ada\n");
    }

    @Test
    void greet_badNames_refusedBeforeQueueing() {
        Greeter greeter = greeter(new DeterministicScheduler(2), tmp, Map.of("max-name-length", "4"));
        assertThatThrownBy(() -> greeter.greet(" ")).hasMessageContaining("the name is empty");
        assertThatThrownBy(() -> greeter.greet("Adelheid")).hasMessageContaining("8 characters; the limit is 4");
        assertThatThrownBy(() -> greeter.greet("A\nB")).hasMessageContaining("control character");
        assertThat(tmp.resolve(Greeter.JOURNAL_FILE)).doesNotExist();
    }

    @Test
    void stop_pendingGreetings_failedAndStopMarkerWritten() throws Exception {
        DeterministicScheduler scheduler = new DeterministicScheduler(3);
        Greeter greeter = greeter(scheduler, tmp, Map.of());
        greeter.start();
        CompletableFuture<String> pending = greeter.greet("Ada").toCompletableFuture();
        CompletableFuture<Void> stopped = greeter.stop().toCompletableFuture();
        scheduler.runUntilIdle();
        assertThat(stopped).isCompleted();
        assertThatThrownBy(pending::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(GuardClosedException.class);
        assertThat(Files.readString(tmp.resolve(Greeter.STATE_FILE)))
                .isEqualTo("stopped " + DeterministicScheduler.START + "\n");
    }

    /**
     * The race the operation queue prevents: greetings submitted from concurrent tasks, in a seeded random order.
     * Every seed must give a journal numbered 1..n without gaps or repeats, one line per greeting.
     */
    @Test
    void greet_concurrentCallers_journalNumberedWithoutGapsOverManySeeds() throws Exception {
        int callers = 6;
        RaceHarness.explore("hello-journal", 1, 300, scheduler -> {
            Path dir = Files.createTempDirectory(tmp, "seed");
            Greeter greeter = greeter(scheduler, dir, Map.of());
            List<CompletableFuture<String>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                String name = "caller" + i;
                scheduler.schedule(() -> results.add(greeter.greet(name).toCompletableFuture()),
                        Duration.ofMillis(scheduler.random().nextInt(3)));
            }
            scheduler.runUntilIdle();
            assertThat(results).hasSize(callers).allSatisfy(r -> assertThat(r).isCompleted());
            List<String> lines = Files.readAllLines(dir.resolve(Greeter.JOURNAL_FILE));
            assertThat(lines).hasSize(callers);
            for (int n = 1; n <= callers; n++) {
                assertThat(lines.get(n - 1)).contains(" #" + n + " caller");
            }
            assertThat(lines.stream().map(l -> l.substring(l.lastIndexOf(' ') + 1)))
                    .containsExactlyInAnyOrderElementsOf(IntStream.range(0, callers).mapToObj(i -> "caller" + i)
                            .toList());
        }).assertClean();
    }

    // -- What the host would inject. A plugin test builds these by hand (or starts a real PluginHost). ----------

    private static Greeter greeter(DeterministicScheduler scheduler, Path dataDirectory, Map<String, String> config) {
        ConcurrencyGuard guard = ConcurrencyGuard.inJvm(scheduler);
        PluginConfig pluginConfig = new MapConfig(config);
        return new Greeter(guard, pluginConfig, new Context(guard, scheduler, pluginConfig, dataDirectory),
                scheduler.clock());
    }

    private record MapConfig(Map<String, String> values) implements PluginConfig {
        @Override
        public Optional<String> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        @Override
        public int getInt(String key, int defaultValue) {
            return get(key).map(Integer::parseInt).orElse(defaultValue);
        }

        @Override
        public Duration getDuration(String key, Duration defaultValue) {
            return get(key).map(Duration::parse).orElse(defaultValue);
        }

        @Override
        public boolean getBoolean(String key, boolean defaultValue) {
            return get(key).map(Boolean::parseBoolean).orElse(defaultValue);
        }

        @Override
        public Set<String> keys() {
            return values.keySet();
        }

        @Override
        public Map<String, String> asMap() {
            return values;
        }
    }

    private record Context(ConcurrencyGuard guard, Scheduler scheduler, PluginConfig config, Path dataDirectory)
            implements PluginContext {
        @Override
        public String pluginId() {
            return HelloPlugin.ID;
        }

        @Override
        public System.Logger logger() {
            return System.getLogger("hello-test");
        }

        @Override
        public <T> T instance(Class<T> type) {
            throw new IllegalStateException("not used by Greeter");
        }
    }
}
