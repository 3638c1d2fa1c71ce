package dev.interlock.plugin.telegram;

import com.fasterxml.jackson.databind.JsonNode;
import dev.interlock.plugin.telegram.emulator.BotApiEmulator;
import dev.interlock.plugin.telegram.store.BridgeStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.interlock.plugin.telegram.TestBridge.CHAT;
import static dev.interlock.plugin.telegram.TestBridge.await;
import static dev.interlock.plugin.telegram.TestBridge.message;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash safety: the daemon runs as a real child process ({@code java --module-path <this test's module path> -m
 * dev.interlock.plugin.telegram/...BridgeMain daemon}), is SIGKILLed in the middle of a burst, and restarted.
 * Every acknowledged message is delivered, in order per session, no session gets a second visible topic, and the
 * duplicates stay within the documented window (at most one message per chat per crash).
 */
@Timeout(180)
class CrashRecoveryTest {

    @TempDir
    Path dir;

    private static final Pattern EVENT = Pattern.compile("c(\\d+)-e(\\d+)\\b");

    private Process startDaemon(TestBridge bridge, Path logFile) throws IOException {
        String modulePath = System.getProperty("jdk.module.path");
        assertThat(modulePath).as("tests run on the module path").isNotNull();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=org.xerial.sqlitejdbc",
                "--module-path", modulePath,
                "-m", "dev.interlock.plugin.telegram/dev.interlock.plugin.telegram.cli.BridgeMain", "daemon",
                "--chat-id", Long.toString(CHAT), "--api-base-url", bridge.settings.get("api-base-url"),
                "--socket", bridge.settings.get("socket"), "--db", bridge.settings.get("db"),
                "--token-env", "CRASH_TEST_TOKEN"));
        for (String key : List.of("per-chat-per-minute", "per-chat-interval", "global-per-second", "backoff-base",
                "backoff-max", "long-poll")) {
            cmd.add("--set");
            cmd.add(key + "=" + bridge.settings.get(key));
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        pb.environment().put("CRASH_TEST_TOKEN", TestBridge.TOKEN);
        Process p = pb.start();
        await(() -> Files.exists(bridge.socket()) && canConnect(bridge) || !p.isAlive(), Duration.ofSeconds(60),
                () -> "daemon child listening");
        assertThat(p.isAlive()).as("daemon child alive; log: %s", read(logFile)).isTrue();
        return p;
    }

    private static boolean canConnect(TestBridge bridge) {
        try (TestBridge.Client c = bridge.connect()) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void daemonKilledMidBurst_restarted_everyAcceptedMessageDeliveredNoSecondTopic() throws Exception {
        Path logFile = dir.resolve("daemon.log");
        try (TestBridge bridge = new TestBridge(dir)) {
            bridge.emulator.latency(Duration.ofMillis(3));
            Process first = startDaemon(bridge, logFile);
            int clients = 8;
            Map<String, List<Integer>> acked = new ConcurrentHashMap<>();
            AtomicInteger total = new AtomicInteger();
            List<Future<?>> senders = new ArrayList<>();
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int c = 0; c < clients; c++) {
                    int client = c;
                    senders.add(pool.submit(() -> {
                        String session = "crash-" + client;
                        try (TestBridge.Client conn = bridge.connect()) {
                            for (int e = 0; ; e++) {
                                JsonNode a = conn.call(message("agent_response", session, "c" + client + "-e" + e));
                                if (a == null || !a.path("ok").asBoolean()) {
                                    return null;
                                }
                                acked.computeIfAbsent(session, k -> new ArrayList<>()).add(e);
                                total.incrementAndGet();
                            }
                        } catch (IOException closed) {
                            return null; // the daemon died under us: what was acknowledged counts
                        }
                    }));
                }
                await(() -> total.get() >= 400 && bridge.delivered() >= 10, Duration.ofSeconds(60),
                        () -> "a burst under way: " + total.get() + " accepted");
                first.destroyForcibly(); // SIGKILL on Unix
                first.waitFor();
                for (Future<?> f : senders) {
                    f.get();
                }
            }
            int accepted = total.get();
            int deliveredBeforeRestart = bridge.delivered();
            Process second = startDaemon(bridge, logFile);
            try {
                await(() -> allDelivered(bridge, acked), Duration.ofSeconds(90),
                        () -> "every accepted message delivered after restart");
            } finally {
                second.destroy(); // SIGTERM: clean shutdown
                second.waitFor();
            }
            Map<Integer, List<Integer>> seen = seen(bridge);
            int duplicates = 0;
            for (int c = 0; c < clients; c++) {
                List<Integer> ackedOrder = acked.getOrDefault("crash-" + c, List.of());
                List<Integer> got = seen.getOrDefault(c, List.of());
                // order: the first occurrences appear in event order, and nothing acknowledged is missing
                List<Integer> distinct = got.stream().distinct().toList();
                for (int i = 1; i < distinct.size(); i++) {
                    assertThat(distinct.get(i)).as("order in session %d", c).isGreaterThan(distinct.get(i - 1));
                }
                assertThat(distinct).as("session %d", c).containsAll(ackedOrder);
                duplicates += got.size() - distinct.size();
            }
            Map<String, Long> visibleTopicsPerName = new HashMap<>();
            for (BotApiEmulator.Topic t : bridge.topics()) {
                if (!t.messages().isEmpty()) {
                    visibleTopicsPerName.merge(t.name(), 1L, Long::sum);
                }
            }
            assertThat(visibleTopicsPerName).hasSize(clients).allSatisfy((name, n) -> assertThat(n).isEqualTo(1));
            int emptyTopics = (int) bridge.topics().stream().filter(t -> t.messages().isEmpty()).count();
            assertThat(emptyTopics).as("invisible empty topics from a create cut by the kill").isLessThanOrEqualTo(1);
            int duplicateMessages = duplicateMessages(bridge);
            assertThat(duplicateMessages).as("the duplicate window: one Telegram message per chat per crash")
                    .isLessThanOrEqualTo(1);
            try (BridgeStore store = BridgeStore.open(Path.of(bridge.settings.get("db")), Clock.systemUTC(), false)) {
                assertThat(store.outboxCounts()[0]).isZero();
            }
            System.out.printf("crash: %d accepted before SIGKILL, %d Telegram messages before the kill, %d repeated"
                    + " events in %d repeated message(s), %d empty topics; daemon log:%n%s%n", accepted,
                    deliveredBeforeRestart, duplicates, duplicateMessages, emptyTopics,
                    read(logFile).lines().filter(l -> l.contains("resuming") || l.contains("interrupted"))
                            .reduce("", (a, b) -> a + b + File.separator));
        }
    }

    private static Map<Integer, List<Integer>> seen(TestBridge bridge) {
        Map<Integer, List<Integer>> seen = new HashMap<>();
        for (BotApiEmulator.Topic t : bridge.topics()) {
            for (BotApiEmulator.Message m : t.messages()) {
                Matcher matcher = EVENT.matcher(m.text());
                while (matcher.find()) {
                    seen.computeIfAbsent(Integer.parseInt(matcher.group(1)), k -> new ArrayList<>())
                            .add(Integer.parseInt(matcher.group(2)));
                }
            }
        }
        return seen;
    }

    /** Telegram messages that repeat an event already delivered (a packed message counts once). */
    private static int duplicateMessages(TestBridge bridge) {
        int count = 0;
        Set<String> seen = new java.util.HashSet<>();
        for (BotApiEmulator.Topic t : bridge.topics()) {
            for (BotApiEmulator.Message m : t.messages()) {
                Matcher matcher = EVENT.matcher(m.text());
                boolean repeats = false;
                while (matcher.find()) {
                    repeats |= !seen.add(matcher.group());
                }
                if (repeats) {
                    count++;
                }
            }
        }
        return count;
    }

    private static boolean allDelivered(TestBridge bridge, Map<String, List<Integer>> acked) {
        Map<Integer, List<Integer>> seen = seen(bridge);
        for (Map.Entry<String, List<Integer>> e : acked.entrySet()) {
            int c = Integer.parseInt(e.getKey().substring("crash-".length()));
            if (!Set.copyOf(seen.getOrDefault(c, List.of())).containsAll(e.getValue())) {
                return false;
            }
        }
        return true;
    }
}
