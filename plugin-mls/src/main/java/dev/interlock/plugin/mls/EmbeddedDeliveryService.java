package dev.interlock.plugin.mls;

import dev.interlock.api.exec.Scheduler;
import dev.interlock.plugin.mls.MlsException.Reason;
import dev.interlock.plugin.mls.internal.Bc;
import dev.interlock.plugin.mls.internal.MlsWire;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The in-process {@link DeliveryService}: the default for clients in one JVM, and the state behind the HTTP server.
 *
 * <p>All state sits behind one lock held only for in-memory bookkeeping (never while calling out). Published key
 * packages are decoded and verified in the {@link MlsLane} first: the credential must be a basic credential naming
 * the publishing identity, and the package's signature must verify.
 *
 * <p>Limits (bounded memory, each failure names the limit): messages {@link Limits#maxMessageBytes()}, key packages
 * per identity, Welcomes waiting per identity, groups, and entries and bytes kept per group log (older entries are
 * dropped; a fetch that starts before the oldest kept entry fails naming the gap).
 */
public final class EmbeddedDeliveryService implements DeliveryService {

    private static final System.Logger LOG = System.getLogger(EmbeddedDeliveryService.class.getName());

    /**
     * Limits.
     *
     * @param maxMessageBytes           the largest message or key package accepted, in bytes
     * @param maxKeyPackagesPerIdentity key packages held per identity
     * @param maxWelcomesPerIdentity    Welcomes waiting per identity
     * @param maxGroups                 groups held
     * @param maxLogEntries             entries kept per group log
     * @param maxLogBytes               message bytes kept per group log
     * @param maxFetch                  entries returned by one fetch
     */
    public record Limits(int maxMessageBytes, int maxKeyPackagesPerIdentity, int maxWelcomesPerIdentity,
                         int maxGroups, int maxLogEntries, long maxLogBytes, int maxFetch) {
        /**
         * 1 MiB messages, 1,000 key packages, 256 Welcomes, 10,000 groups, 100,000 log entries or 64 MiB per group,
         * 1,000 entries per fetch.
         */
        public static Limits defaults() {
            return new Limits(1 << 20, 1_000, 256, 10_000, 100_000, 64L << 20, 1_000);
        }
    }

    private record StoredKeyPackage(String ref, byte[] bytes, long notAfterMillis) {
    }

    private static final class Identity {
        final ArrayDeque<StoredKeyPackage> packages = new ArrayDeque<>();
        StoredKeyPackage lastResort;
        final ArrayDeque<WelcomeEnvelope> welcomes = new ArrayDeque<>();
    }

    private static final class GroupLog {
        long epoch;
        long nextSeq = 1;
        byte[] groupInfo;
        final ArrayDeque<Envelope> entries = new ArrayDeque<>();
        long bytes;
    }

    private final Scheduler scheduler;
    private final MlsLane lane;
    private final Limits limits;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Identity> identities = new HashMap<>();
    private final Map<String, GroupLog> groups = new HashMap<>();
    private final List<Runnable> subscribers = new CopyOnWriteArrayList<>();

    public EmbeddedDeliveryService(Scheduler scheduler, MlsLane lane, Limits limits) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.lane = Objects.requireNonNull(lane, "lane");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The limits this service enforces. */
    public Limits limits() {
        return limits;
    }

    static String checkIdentity(String identity) {
        Objects.requireNonNull(identity, "identity");
        int n = identity.getBytes(StandardCharsets.UTF_8).length;
        if (n == 0 || n > 255) {
            throw new MlsException(Reason.BAD_REQUEST, "identity must be 1..255 bytes of UTF-8, got " + n);
        }
        return identity;
    }

    private byte[] checkMessage(byte[] message, String what) {
        if (message == null || message.length == 0) {
            throw new MlsException(Reason.BAD_REQUEST, what + " is empty");
        }
        if (message.length > limits.maxMessageBytes()) {
            throw new MlsException(Reason.BAD_REQUEST, what + " of " + message.length + " bytes exceeds the limit of "
                    + limits.maxMessageBytes() + " bytes");
        }
        return message;
    }

    private static <T> CompletionStage<T> attempt(java.util.function.Supplier<T> body) {
        try {
            return CompletableFuture.completedFuture(body.get());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> publishKeyPackages(String identity, List<PublishedKeyPackage> packages) {
        try {
            checkIdentity(identity);
            Objects.requireNonNull(packages, "packages");
            if (packages.size() > limits.maxKeyPackagesPerIdentity()) {
                throw new MlsException(Reason.BAD_REQUEST, packages.size() + " key packages in one request exceed "
                        + "the limit of " + limits.maxKeyPackagesPerIdentity());
            }
            for (PublishedKeyPackage p : packages) {
                checkMessage(p.keyPackage(), "key package");
                MlsWire.check(p.keyPackage(), limits.maxMessageBytes(), MlsWire.KEY_PACKAGE);
            }
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return lane.call("verify published key packages", () -> {
            for (PublishedKeyPackage p : packages) {
                Bc.verifyKeyPackage(p.keyPackage(), identity);
            }
            return null;
        }).thenApply(v -> {
            lock.lock();
            try {
                Identity id = identities.computeIfAbsent(identity, k -> new Identity());
                long ordinary = packages.stream().filter(p -> !p.lastResort()).count();
                if (id.packages.size() + ordinary > limits.maxKeyPackagesPerIdentity()) {
                    throw new MlsException(Reason.BAD_REQUEST, "identity '" + identity + "' would hold "
                            + (id.packages.size() + ordinary) + " key packages; the limit is "
                            + limits.maxKeyPackagesPerIdentity());
                }
                for (PublishedKeyPackage p : packages) {
                    StoredKeyPackage s = new StoredKeyPackage(Bc.ref(p.keyPackage()), p.keyPackage().clone(),
                            p.notAfterMillis());
                    if (p.lastResort()) {
                        id.lastResort = s;
                    } else {
                        id.packages.add(s);
                    }
                }
                return null;
            } finally {
                lock.unlock();
            }
        });
    }

    @Override
    public CompletionStage<Integer> keyPackageCount(String identity) {
        return attempt(() -> {
            checkIdentity(identity);
            lock.lock();
            try {
                Identity id = identities.get(identity);
                if (id == null) {
                    return 0;
                }
                dropExpired(id);
                return id.packages.size();
            } finally {
                lock.unlock();
            }
        });
    }

    private void dropExpired(Identity id) {
        long now = scheduler.clock().millis();
        id.packages.removeIf(p -> p.notAfterMillis() <= now);
        if (id.lastResort != null && id.lastResort.notAfterMillis() <= now) {
            id.lastResort = null;
        }
    }

    @Override
    public CompletionStage<Void> withdrawKeyPackages(String identity, List<String> refs) {
        return attempt(() -> {
            checkIdentity(identity);
            lock.lock();
            try {
                Identity id = identities.get(identity);
                if (id != null) {
                    id.packages.removeIf(p -> refs.contains(p.ref()));
                    if (id.lastResort != null && refs.contains(id.lastResort.ref())) {
                        id.lastResort = null;
                    }
                }
                return null;
            } finally {
                lock.unlock();
            }
        });
    }

    @Override
    public CompletionStage<byte[]> claimKeyPackage(String identity) {
        return attempt(() -> {
            checkIdentity(identity);
            lock.lock();
            try {
                Identity id = identities.get(identity);
                if (id != null) {
                    dropExpired(id);
                    StoredKeyPackage p = id.packages.pollFirst();
                    if (p == null) {
                        p = id.lastResort;
                    }
                    if (p != null) {
                        return p.bytes().clone();
                    }
                }
                throw new MlsException(Reason.NO_KEY_PACKAGE, "the delivery service holds no key package for '"
                        + identity + "'; that client must log in (which publishes key packages) first");
            } finally {
                lock.unlock();
            }
        });
    }

    private static String key(byte[] groupId) {
        return HexFormat.of().formatHex(Objects.requireNonNull(groupId, "groupId"));
    }

    @Override
    public CompletionStage<Void> createGroup(byte[] groupId, byte[] groupInfo) {
        return attempt(() -> {
            checkMessage(groupInfo, "group info");
            lock.lock();
            try {
                if (groups.containsKey(key(groupId))) {
                    throw new MlsException(Reason.BAD_REQUEST, "group " + key(groupId) + " already exists");
                }
                if (groups.size() >= limits.maxGroups()) {
                    throw new MlsException(Reason.BAD_REQUEST, "the delivery service holds " + groups.size()
                            + " groups, its limit");
                }
                GroupLog log = new GroupLog();
                log.groupInfo = groupInfo.clone();
                groups.put(key(groupId), log);
                return null;
            } finally {
                lock.unlock();
            }
        });
    }

    private GroupLog group(byte[] groupId) {
        GroupLog log = groups.get(key(groupId));
        if (log == null) {
            throw new MlsException(Reason.UNKNOWN_GROUP, "the delivery service has no group " + key(groupId));
        }
        return log;
    }

    private long append(GroupLog log, Kind kind, long epoch, byte[] message) {
        long seq = log.nextSeq++;
        log.entries.addLast(new Envelope(seq, kind, epoch, message.clone()));
        log.bytes += message.length;
        while (log.entries.size() > limits.maxLogEntries() || log.bytes > limits.maxLogBytes()) {
            log.bytes -= log.entries.pollFirst().message().length;
        }
        return seq;
    }

    @Override
    public CompletionStage<PostResult> postCommit(byte[] groupId, long epoch, byte[] commit, byte[] nextGroupInfo,
                                                  List<WelcomeFor> welcomes) {
        CompletionStage<PostResult> result = attempt(() -> {
            checkMessage(commit, "commit");
            checkMessage(nextGroupInfo, "group info");
            for (WelcomeFor w : welcomes) {
                checkIdentity(w.identity());
                checkMessage(w.welcome(), "welcome");
            }
            lock.lock();
            try {
                GroupLog log = group(groupId);
                if (log.epoch != epoch) {
                    return new PostResult(false, -1, log.epoch);
                }
                for (WelcomeFor w : welcomes) {
                    Identity id = identities.computeIfAbsent(w.identity(), k -> new Identity());
                    if (id.welcomes.size() >= limits.maxWelcomesPerIdentity()) {
                        throw new MlsException(Reason.BAD_REQUEST, "'" + w.identity() + "' already has "
                                + id.welcomes.size() + " Welcomes waiting, the limit");
                    }
                }
                long seq = append(log, Kind.COMMIT, epoch, commit);
                log.epoch = epoch + 1;
                log.groupInfo = nextGroupInfo.clone();
                for (WelcomeFor w : welcomes) {
                    identities.get(w.identity()).welcomes.addLast(
                            new WelcomeEnvelope(groupId.clone(), w.welcome().clone(), seq));
                }
                return new PostResult(true, seq, log.epoch);
            } finally {
                lock.unlock();
            }
        });
        return result.thenApply(r -> {
            if (r.accepted()) {
                notifySubscribers();
            }
            return r;
        });
    }

    @Override
    public CompletionStage<PostResult> postApplication(byte[] groupId, long epoch, byte[] message) {
        return attempt(() -> {
            checkMessage(message, "application message");
            lock.lock();
            try {
                GroupLog log = group(groupId);
                if (log.epoch != epoch) {
                    return new PostResult(false, -1, log.epoch);
                }
                return new PostResult(true, append(log, Kind.APPLICATION, epoch, message), log.epoch);
            } finally {
                lock.unlock();
            }
        }).thenApply(r -> {
            if (r.accepted()) {
                notifySubscribers();
            }
            return r;
        });
    }

    @Override
    public CompletionStage<List<Envelope>> fetch(byte[] groupId, long afterSeq, int max) {
        return attempt(() -> {
            int n = Math.min(Math.max(max, 1), limits.maxFetch());
            lock.lock();
            try {
                GroupLog log = group(groupId);
                Envelope first = log.entries.peekFirst();
                if (first != null && first.seq() > afterSeq + 1) {
                    throw new MlsException(Reason.BAD_REQUEST, "group " + key(groupId) + " keeps entries from seq "
                            + first.seq() + " but the fetch starts after " + afterSeq
                            + " (maxLogEntries " + limits.maxLogEntries() + ", maxLogBytes " + limits.maxLogBytes()
                            + "); rejoin the group");
                }
                List<Envelope> out = new ArrayList<>();
                Iterator<Envelope> it = log.entries.descendingIterator();
                while (it.hasNext()) {
                    Envelope e = it.next();
                    if (e.seq() <= afterSeq) {
                        break;
                    }
                    out.add(e);
                }
                Collections.reverse(out);
                return out.size() > n ? List.copyOf(out.subList(0, n)) : List.copyOf(out);
            } finally {
                lock.unlock();
            }
        });
    }

    @Override
    public CompletionStage<byte[]> groupInfo(byte[] groupId) {
        return attempt(() -> {
            lock.lock();
            try {
                return group(groupId).groupInfo.clone();
            } finally {
                lock.unlock();
            }
        });
    }

    @Override
    public CompletionStage<List<WelcomeEnvelope>> takeWelcomes(String identity) {
        return attempt(() -> {
            checkIdentity(identity);
            lock.lock();
            try {
                Identity id = identities.get(identity);
                if (id == null || id.welcomes.isEmpty()) {
                    return List.of();
                }
                List<WelcomeEnvelope> out = List.copyOf(id.welcomes);
                id.welcomes.clear();
                return out;
            } finally {
                lock.unlock();
            }
        });
    }

    @Override
    public AutoCloseable subscribe(String identity, Runnable onNews) {
        checkIdentity(identity);
        Objects.requireNonNull(onNews, "onNews");
        Runnable r = onNews::run;
        subscribers.add(r);
        return () -> subscribers.remove(r);
    }

    private void notifySubscribers() {
        for (Runnable r : subscribers) {
            scheduler.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "delivery subscriber failed: " + e);
                }
            });
        }
    }
}
