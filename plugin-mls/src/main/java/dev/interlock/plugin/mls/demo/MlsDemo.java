package dev.interlock.plugin.mls.demo;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.plugin.DemoResult;
import dev.interlock.api.plugin.DemoResult.Invariant;
import dev.interlock.api.plugin.DemoScenario;
import dev.interlock.api.plugin.PluginContext;
import dev.interlock.plugin.mls.DeliveryServer;
import dev.interlock.plugin.mls.EmbeddedDeliveryService;
import dev.interlock.plugin.mls.HttpDeliveryClient;
import dev.interlock.plugin.mls.MlsClient;
import dev.interlock.plugin.mls.MlsException;
import dev.interlock.plugin.mls.MlsLane;
import dev.interlock.plugin.mls.Vault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The MLS tour for {@code interlock demo}: five clients, each with its own vault and its own HTTP connection to the
 * embedded delivery service served on loopback ({@link DeliveryServer}), form one group while their commits race.
 *
 * <h2>What runs</h2>
 * <ol>
 *   <li>Five clients log in at once (each creates its vault and publishes key packages over HTTP).
 *   <li>alice creates the group and adds bob and carol. Then three commits race for one epoch: bob adds dave,
 *       carol adds erin, alice updates; the delivery service accepts one per epoch and the losers apply the winner
 *       and redo their change.
 *   <li>All five at once: each commits an update and sends {@value #MESSAGES_EACH} messages.
 *   <li>Vault round trip: erin seals her state into her vault and closes; a login with a wrong password is refused;
 *       a fresh client opens the vault with the password and restores membership by external join; it reads a
 *       message sent to it afterwards and sends one that everybody reads.
 * </ol>
 *
 * <h2>What was relaxed</h2>
 * Argon2id runs at 19 MiB and 2 passes (OWASP's minimum recommendation) instead of the default 64 MiB and 3, and
 * each client keeps 3 key packages instead of 10: six vault derivations and the key-package generation then fit the
 * demo's time budget. Everything else is the production path (real bcmls, real HTTP, real vault files).
 *
 * <h2>Invariants</h2>
 * See {@link #check}: all five members on one epoch with equal epoch authenticators (RFC 9420 §8.7: equal
 * authenticators mean equal group state), every application message delivered exactly once to every other member
 * (none to its sender, none before a member joined), the vault round trip, and no (epoch, sender leaf, generation)
 * used twice: those fix the AEAD key and nonce (RFC 9420 §9.1), so this counts (key, nonce) reuse.
 *
 * <h2>Resources</h2>
 * Needs a scheduler backed by real threads (the host's). The lane, delivery service, HTTP server, HTTP clients and
 * MLS clients it creates are closed, and its temporary directory (vaults, 0700) deleted, before {@link #run}
 * returns. The password is random per run and never printed.
 */
public final class MlsDemo implements DemoScenario {

    /** The members, in the order they join. */
    static final List<String> NAMES = List.of("alice", "bob", "carol", "dave", "erin");
    /** Messages each member sends in the concurrent phase. */
    static final int MESSAGES_EACH = 4;
    /** The demo's Argon2id costs: OWASP's minimum (19 MiB, 2 passes, 1 lane). */
    static final Vault.KdfParams DEMO_KDF = new Vault.KdfParams(19 * 1024, 2, 1);
    /** Longest any one step may take. */
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);
    /** How often clients poll the delivery service (they are also synced explicitly between phases). */
    private static final Duration POLL = Duration.ofMillis(100);
    private static final String RESTORED = "erin (restored)";

    @Override
    public String description() {
        return "5 clients over HTTP to the embedded delivery service on loopback: racing commits (adds, updates),"
                + " " + NAMES.size() * MESSAGES_EACH + " messages at once, a vault round trip with restore by"
                + " external join; Argon2id at 19 MiB/2 passes";
    }

    @Override
    public DemoResult run(PluginContext context, Consumer<String> progress) throws Exception {
        Scheduler scheduler = context.scheduler();
        ConcurrencyGuard guard = context.guard();
        long begin = scheduler.nanoTime();
        Path dir = Files.createTempDirectory("interlock-mls-demo-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        char[] password = randomPassword();
        List<AutoCloseable> resources = new ArrayList<>();
        MlsLane lane = new MlsLane(guard, 4_096);
        try {
            EmbeddedDeliveryService embedded = new EmbeddedDeliveryService(scheduler, lane,
                    EmbeddedDeliveryService.Limits.defaults());
            DeliveryServer server = DeliveryServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    embedded, scheduler, 2 << 20);
            resources.add(server);
            URI base = URI.create("http://127.0.0.1:" + server.port());
            Observed seen = new Observed();
            Supplier<HttpDeliveryClient> http = () -> {
                HttpDeliveryClient c = new HttpDeliveryClient(base, scheduler, POLL, 8 << 20);
                resources.add(c);
                return c;
            };
            Map<String, MlsClient> clients = new LinkedHashMap<>();
            for (String name : NAMES) {
                clients.put(name, client(name, dir, lane, http.get(), guard, seen, resources));
            }
            long t0 = scheduler.nanoTime();
            all(clients.values().stream().map(c -> (Supplier<CompletionStage<?>>) () -> c.login(password)).toList());
            long t1 = scheduler.nanoTime();
            progress.accept(String.format(Locale.ROOT, "delivery service on %s (up in %.2f s); 5 clients logged in"
                    + " (vaults created, key packages published) in %.2f s", base, seconds(t0 - begin),
                    seconds(t1 - t0)));

            MlsClient alice = clients.get("alice");
            byte[] g = get(alice.createGroup());
            get(alice.addMember(g, "bob"));
            get(alice.addMember(g, "carol"));
            syncAll(clients, seen);
            // three commits race for the same epoch
            all(List.of(() -> clients.get("bob").addMember(g, "dave"),
                    () -> clients.get("carol").addMember(g, "erin"),
                    () -> alice.update(g)));
            syncAll(clients, seen);
            // everyone commits an update and sends at once
            List<Supplier<CompletionStage<?>>> burst = new ArrayList<>();
            for (String name : NAMES) {
                MlsClient c = clients.get(name);
                burst.add(() -> c.update(g));
                for (int i = 0; i < MESSAGES_EACH; i++) {
                    String text = name + " #" + i;
                    for (String other : NAMES) {
                        if (!other.equals(name)) {
                            seen.expect(other, name, text);
                        }
                    }
                    burst.add(() -> c.send(g, text.getBytes(StandardCharsets.UTF_8)));
                }
            }
            all(burst);
            syncAll(clients, seen);
            long conflicts = clients.values().stream().mapToLong(c -> c.stats().conflictsRecovered()).sum();
            long epoch = get(alice.status(g)).epoch();
            long t2 = scheduler.nanoTime();
            progress.accept(String.format(Locale.ROOT, "3 commits raced for one epoch, then 5 updates and %d"
                            + " messages at once: %d lost commits redone, epoch %d, in %.2f s",
                    NAMES.size() * MESSAGES_EACH, conflicts, epoch, seconds(t2 - t1)));

            String vault = vaultRoundTrip(g, clients, dir, lane, http, guard, password, seen, resources);
            long t3 = scheduler.nanoTime();
            progress.accept(String.format(Locale.ROOT, "vault round trip in %.2f s: %s", seconds(t3 - t2),
                    vault.equals("ok") ? "sealed, wrong password refused, reopened, rejoined by external join,"
                            + " read and sent" : vault));

            List<MlsClient.GroupStatus> statuses = new ArrayList<>();
            for (MlsClient c : clients.values()) {
                statuses.add(get(c.status(g)));
            }
            return new DemoResult(String.format(Locale.ROOT, "5 members over HTTP, epoch %d, %d lost commits"
                            + " redone, %d messages, vault restore", statuses.getFirst().epoch(), conflicts,
                    seen.sent()), check(statuses, seen, vault));
        } finally {
            Arrays.fill(password, '\0');
            for (AutoCloseable r : resources.reversed()) {
                try {
                    r.close();
                } catch (Exception e) {
                    context.logger().log(System.Logger.Level.WARNING, "mls demo: closing " + r + ": " + e);
                }
            }
            lane.close();
            deleteTree(dir);
        }
    }

    /** Seals erin's vault, refuses a wrong password, restores her from the vault; "ok" or what went wrong. */
    private static String vaultRoundTrip(byte[] g, Map<String, MlsClient> clients, Path dir, MlsLane lane,
                                         Supplier<HttpDeliveryClient> http, ConcurrencyGuard guard, char[] password,
                                         Observed seen, List<AutoCloseable> resources) throws Exception {
        MlsClient erin = clients.get("erin");
        get(erin.exportToVault());
        Path file = erin.options().vaultFile();
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
        if (!mode.equals("rw-------")) {
            return "vault file mode is " + mode + ", not rw-------";
        }
        drain(clients, seen);
        erin.close();
        clients.remove("erin");

        MlsClient thief = client("erin", dir, lane, http.get(), guard, seen, resources);
        char[] wrong = randomPassword();
        try {
            get(thief.login(wrong));
            return "a wrong password opened the vault";
        } catch (MlsException e) {
            if (e.reason() != MlsException.Reason.VAULT_WRONG_PASSWORD) {
                return "a wrong password was refused as " + e.reason() + ", not VAULT_WRONG_PASSWORD";
            }
        } finally {
            thief.close();
        }

        MlsClient restored = client("erin", dir, lane, http.get(), guard, seen, resources);
        get(restored.login(password));
        clients.put(RESTORED, restored);
        if (get(restored.groups()).stream().noneMatch(id -> Arrays.equals(id, g))) {
            return "the restored client is not in the group";
        }
        syncAll(clients, seen);
        String hello = "welcome back, erin";
        for (String other : List.of("bob", "carol", "dave", RESTORED)) {
            seen.expect(other, "alice", hello);
        }
        get(clients.get("alice").send(g, hello.getBytes(StandardCharsets.UTF_8)));
        get(restored.sync());
        drain(clients, seen);
        if (!seen.received(RESTORED, "alice", hello)) {
            return "the restored client did not read the message sent to it";
        }
        String back = "erin is back";
        for (String other : List.of("alice", "bob", "carol", "dave")) {
            seen.expect(other, "erin", back);
        }
        get(restored.send(g, back.getBytes(StandardCharsets.UTF_8)));
        syncAll(clients, seen);
        for (String other : List.of("alice", "bob", "carol", "dave")) {
            if (!seen.received(other, "erin", back)) {
                return other + " did not read the restored client's message";
            }
        }
        return "ok";
    }

    private static MlsClient client(String identity, Path dir, MlsLane lane, HttpDeliveryClient ds,
                                    ConcurrencyGuard guard, Observed seen, List<AutoCloseable> resources) {
        MlsClient.Options options = MlsClient.Options.defaults(identity, dir.resolve(identity + ".vault"))
                .withKdf(DEMO_KDF).withKeyPackages(3, 2, Duration.ofDays(7));
        MlsClient c = new MlsClient(options, lane, ds, guard);
        resources.add(c);
        c.onKeyUse(u -> seen.keyUsed(HexFormat.of().formatHex(u.epochAuthenticator()) + "/" + u.leafIndex() + "/"
                + u.generation()));
        return c;
    }

    // ------------------------------------------------------------------ the invariants

    /** What the clients reported while the demo ran. Thread-safe: listeners run on the scheduler. */
    static final class Observed {
        private final Set<String> expected = ConcurrentHashMap.newKeySet();
        private final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
        private final Map<String, Integer> keyUses = new ConcurrentHashMap<>();
        private final Set<String> texts = ConcurrentHashMap.newKeySet();

        private static String key(String recipient, String sender, String text) {
            return recipient + " <- " + sender + ": " + text;
        }

        /** {@code recipient} must receive {@code text} from {@code sender} exactly once. */
        void expect(String recipient, String sender, String text) {
            expected.add(key(recipient, sender, text));
            texts.add(sender + ": " + text);
        }

        void delivered(String recipient, String sender, String text) {
            deliveries.merge(key(recipient, sender, text), 1, Integer::sum);
        }

        boolean received(String recipient, String sender, String text) {
            return deliveries.containsKey(key(recipient, sender, text));
        }

        void keyUsed(String epochLeafGeneration) {
            keyUses.merge(epochLeafGeneration, 1, Integer::sum);
        }

        /** Distinct application messages sent. */
        int sent() {
            return texts.size();
        }
    }

    /**
     * The invariants.
     *
     * @param statuses the group as each current member sees it at the end
     * @param seen     deliveries and key uses reported by the clients
     * @param vault    the vault round trip's outcome: "ok", or what went wrong
     */
    static List<Invariant> check(List<MlsClient.GroupStatus> statuses, Observed seen, String vault) {
        List<Invariant> out = new ArrayList<>();
        long top = statuses.stream().mapToLong(MlsClient.GroupStatus::epoch).max().orElse(-1);
        long onTop = statuses.stream().filter(s -> s.epoch() == top
                && s.members().size() == NAMES.size()).count();
        out.add(Invariant.expect("members on the same epoch", NAMES.size() + "/" + NAMES.size(),
                onTop + "/" + NAMES.size()));
        long authenticators = statuses.stream().map(s -> HexFormat.of().formatHex(s.epochAuthenticator()))
                .distinct().count();
        out.add(new Invariant("epoch authenticators equal", authenticators == 1 ? "yes"
                : "no (" + authenticators + " different)", authenticators == 1 && !statuses.isEmpty()));
        long once = seen.expected.stream().filter(k -> seen.deliveries.getOrDefault(k, 0) == 1).count();
        long unexpected = seen.deliveries.entrySet().stream().filter(e -> !seen.expected.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        out.add(new Invariant("messages delivered exactly once", once + "/" + seen.expected.size()
                + (unexpected == 0 ? "" : " (+" + unexpected + " unexpected)"),
                once == seen.expected.size() && unexpected == 0));
        out.add(Invariant.expect("vault round trip", "ok", vault));
        long reuse = seen.keyUses.values().stream().mapToLong(n -> n - 1).sum();
        out.add(Invariant.expect("(key, nonce) reuse", 0L, reuse));
        return out;
    }

    // ------------------------------------------------------------------ helpers

    /** Every client reads what waits for it; then what each received is recorded. */
    private static void syncAll(Map<String, MlsClient> clients, Observed seen) throws Exception {
        List<Supplier<CompletionStage<?>>> syncs = new ArrayList<>();
        for (MlsClient c : clients.values()) {
            syncs.add(c::sync);
        }
        all(syncs);
        drain(clients, seen);
    }

    /**
     * Records what each client received. The inbox is filled before the operation that read the message completes
     * (listeners run later, on the scheduler), so after a sync it holds everything that sync read.
     */
    private static void drain(Map<String, MlsClient> clients, Observed seen) {
        clients.forEach((label, c) -> c.drainInbox().forEach(r -> seen.delivered(label, r.sender(), r.text())));
    }

    /** Starts every operation at once, then waits for all of them; the first failure is thrown. */
    private static void all(List<Supplier<CompletionStage<?>>> ops) throws Exception {
        List<CompletableFuture<?>> started = new ArrayList<>();
        for (Supplier<CompletionStage<?>> op : ops) {
            started.add(op.get().toCompletableFuture());
        }
        for (CompletableFuture<?> f : started) {
            get(f);
        }
    }

    private static <T> T get(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            MlsException m = MlsException.unwrap(e);
            if (m != null) {
                throw m;
            }
            throw e.getCause() instanceof Exception x ? x : e;
        }
    }

    private static char[] randomPassword() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b).toCharArray();
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
