package dev.interlock.plugin.mls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.api.guard.GuardClosedException;
import dev.interlock.api.guard.QueueFullException;
import dev.interlock.api.guard.OperationQueue;
import dev.interlock.plugin.mls.DeliveryService.Envelope;
import dev.interlock.plugin.mls.DeliveryService.PostResult;
import dev.interlock.plugin.mls.DeliveryService.PublishedKeyPackage;
import dev.interlock.plugin.mls.DeliveryService.WelcomeEnvelope;
import dev.interlock.plugin.mls.DeliveryService.WelcomeFor;
import dev.interlock.plugin.mls.MlsException.Reason;
import dev.interlock.plugin.mls.internal.Bc;
import dev.interlock.plugin.mls.internal.MlsWire;
import dev.interlock.plugin.mls.internal.SenderData;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.mls.TreeKEM.LeafIndex;
import org.bouncycastle.mls.TreeKEM.LeafNode;
import org.bouncycastle.mls.TreeKEM.TreeKEMPublicKey;
import org.bouncycastle.mls.codec.GroupInfo;
import org.bouncycastle.mls.codec.KeyPackage;
import org.bouncycastle.mls.codec.MLSMessage;
import org.bouncycastle.mls.codec.Proposal;
import org.bouncycastle.mls.codec.Welcome;
import org.bouncycastle.mls.codec.WireFormat;
import org.bouncycastle.mls.crypto.MlsCipherSuite;
import org.bouncycastle.mls.crypto.Secret;
import org.bouncycastle.mls.protocol.Group;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * An MLS (RFC 9420) client: one identity, a pool of key packages, and the groups it is a member of.
 *
 * <h2>Two lanes (seed 002)</h2>
 * <ul>
 *   <li>Every call into bcmls runs in the JVM-wide {@link MlsLane}, shared with every other client and the delivery
 *       service of the process: bcmls's cipher suites are JVM singletons.
 *   <li>Every public operation runs in this client's own {@link OperationQueue}: FIFO, one at a time, the next one
 *       starting only after the previous one's whole asynchronous flow (library calls and delivery-service round
 *       trips) has completed. So {@code send} while a commit is in flight, {@code exportToVault} while key packages
 *       refresh, and incoming deliveries are all legal at any moment and never see each other's half-done state.
 * </ul>
 * {@link #login} is itself one operation: unlock (or create) the vault, restore the identity and key packages,
 * restore each group by external join, refresh key packages, subscribe to delivery. Operations submitted while it runs
 * wait for it; operations submitted before it fail with {@link Reason#NOT_LOGGED_IN}.
 *
 * <h2>Incoming messages</h2>
 * Each group's log is read in the delivery service's order. A message is first bounded and structurally checked
 * ({@link MlsWire}), then classified by epoch BEFORE the library sees it: an older epoch is dropped
 * ({@link Reason#STALE_EPOCH}; this is how a commit that lost the race is refused), the current epoch is handled, a
 * newer epoch is buffered (at most {@link Options#futureBufferLimit()} per group). A pending commit is never used
 * before the delivery service accepted it, and it is adopted only when the log delivers exactly its bytes.
 *
 * <h2>Errors</h2>
 * Every stage fails with an {@link MlsException}; bcmls's checked exceptions become
 * {@link Reason#LIBRARY_FAILURE}. A failed operation leaves the client's state as it was before the operation
 * (pending commits are discarded) and the client usable.
 *
 * <h2>Memory effects</h2>
 * Actions of an operation happen-before the completion of its stage and the start of the next operation. Listeners
 * run on the scheduler; they must not block, and their exceptions are logged.
 */
public final class MlsClient implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(MlsClient.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    /**
     * Client options.
     *
     * @param identity            the identity (basic credential), 1..255 bytes of UTF-8
     * @param vaultFile           where the vault is kept
     * @param kdf                 Argon2id parameters for a new vault
     * @param keyPackageTarget    how many ordinary key packages to keep published
     * @param keyPackageLowWater  refill when the delivery service holds fewer than this
     * @param keyPackageLifetime  how long a key package is offered before it is replaced
     * @param maxMessageBytes     largest incoming message decoded, in bytes
     * @param futureBufferLimit   messages for future epochs buffered per group
     * @param maxCommitRetries    how often a commit that lost the race is redone at the next epoch
     * @param inboxLimit          received messages kept for {@link #drainInbox()} (oldest dropped beyond)
     * @param queueCapacity       operations that may wait in the client's queue
     * @param maxSendsPerEpoch    messages this member sends in one epoch before it first commits an update: bcmls
     *                            keeps every message key a sender used in the current epoch, so this bounds that
     *                            memory (and limits what a compromise of the epoch exposes)
     */
    public record Options(String identity, Path vaultFile, Vault.KdfParams kdf, int keyPackageTarget,
                          int keyPackageLowWater, Duration keyPackageLifetime, int maxMessageBytes,
                          int futureBufferLimit, int maxCommitRetries, int inboxLimit, int queueCapacity,
                          int maxSendsPerEpoch) {
        public Options {
            EmbeddedDeliveryService.checkIdentity(identity);
            Objects.requireNonNull(vaultFile, "vaultFile");
            Objects.requireNonNull(kdf, "kdf");
            Objects.requireNonNull(keyPackageLifetime, "keyPackageLifetime");
            if (keyPackageTarget < 1 || keyPackageLowWater < 1 || keyPackageLowWater > keyPackageTarget) {
                throw new IllegalArgumentException("need 1 <= keyPackageLowWater (" + keyPackageLowWater
                        + ") <= keyPackageTarget (" + keyPackageTarget + ")");
            }
            if (maxMessageBytes < 1024 || futureBufferLimit < 0 || maxCommitRetries < 0 || inboxLimit < 1
                    || queueCapacity < 1 || maxSendsPerEpoch < 1) {
                throw new IllegalArgumentException("out of range: maxMessageBytes=" + maxMessageBytes
                        + " (>= 1024), futureBufferLimit=" + futureBufferLimit + " (>= 0), maxCommitRetries="
                        + maxCommitRetries + " (>= 0), inboxLimit=" + inboxLimit + " (>= 1), queueCapacity="
                        + queueCapacity + " (>= 1), maxSendsPerEpoch=" + maxSendsPerEpoch + " (>= 1)");
            }
        }

        /**
         * Defaults: Argon2id 64 MiB/3 passes, 10 key packages (refill below 5) valid 30 days, 256 KiB messages,
         * 64 buffered future messages, 8 commit retries, 10,000 inbox messages, 1,024 queued operations, an update
         * after 1,000 messages sent in one epoch.
         */
        public static Options defaults(String identity, Path vaultFile) {
            return new Options(identity, vaultFile, Vault.KdfParams.interactive(), 10, 5, Duration.ofDays(30),
                    256 * 1024, 64, 8, 10_000, 1_024, 1_000);
        }

        /** These options with other Argon2id parameters. */
        public Options withKdf(Vault.KdfParams kdf) {
            return new Options(identity, vaultFile, kdf, keyPackageTarget, keyPackageLowWater, keyPackageLifetime,
                    maxMessageBytes, futureBufferLimit, maxCommitRetries, inboxLimit, queueCapacity, maxSendsPerEpoch);
        }

        /** These options with another key-package pool size. */
        public Options withKeyPackages(int target, int lowWater, Duration lifetime) {
            return new Options(identity, vaultFile, kdf, target, lowWater, lifetime, maxMessageBytes,
                    futureBufferLimit, maxCommitRetries, inboxLimit, queueCapacity, maxSendsPerEpoch);
        }

        /** These options with another message-size limit and future-epoch buffer. */
        public Options withLimits(int maxMessageBytes, int futureBufferLimit) {
            return new Options(identity, vaultFile, kdf, keyPackageTarget, keyPackageLowWater, keyPackageLifetime,
                    maxMessageBytes, futureBufferLimit, maxCommitRetries, inboxLimit, queueCapacity, maxSendsPerEpoch);
        }

        /** These options with another queue capacity and sends-per-epoch bound. */
        public Options withQueue(int queueCapacity, int maxSendsPerEpoch) {
            return new Options(identity, vaultFile, kdf, keyPackageTarget, keyPackageLowWater, keyPackageLifetime,
                    maxMessageBytes, futureBufferLimit, maxCommitRetries, inboxLimit, queueCapacity, maxSendsPerEpoch);
        }
    }

    /** An application message received in a group. */
    public record Received(byte[] groupId, String sender, byte[] plaintext, long epoch, long seq) {
        /** The group id in hex. */
        public String groupHex() {
            return HexFormat.of().formatHex(groupId);
        }

        /** The plaintext as UTF-8 text. */
        public String text() {
            return new String(plaintext, StandardCharsets.UTF_8);
        }
    }

    /** A snapshot of one group. */
    public record GroupStatus(byte[] groupId, long epoch, byte[] epochAuthenticator, List<String> members,
                              long cursor) {
    }

    /**
     * One use of a message key by this client, for audits: with the epoch (named by its authenticator), the sender
     * leaf and the generation, RFC 9420 §9.1 fixes the AEAD key and nonce up to the reuse guard.
     */
    public record KeyUse(byte[] groupId, long epoch, byte[] epochAuthenticator, int leafIndex, int generation,
                         byte[] reuseGuard, byte[] message) {
    }

    /** A message the client refused while reading a log, for monitoring. */
    public record Refused(byte[] groupId, long seq, Reason reason, String message) {
    }

    /** Counters, for monitoring and tests. */
    public record Stats(long staleDropped, long futureBuffered, long conflictsRecovered, long refused,
                        long applied, long received, long libraryRejections, long rejoins) {
    }

    private record PoolEntry(String ref, byte[] keyPackage, byte[] initPriv, byte[] initPub, byte[] encPriv,
                             byte[] encPub, long createdAtMillis, long notAfterMillis, boolean lastResort) {
    }

    private record Pending(Group next, byte[] commit) {
    }

    private static final class Session {
        final byte[] id;
        final String hex;
        Group group;
        int leafIndex;
        long cursor;
        final List<Pending> pendings = new ArrayList<>();
        /** A commit the delivery service accepted could not be applied: we can no longer follow the group. */
        boolean desynced;
        /** Messages we protected in the current epoch. */
        int sentThisEpoch;
        final Set<Long> ownSeqs = new HashSet<>();
        final TreeMap<Long, List<byte[]>> future = new TreeMap<>();
        int futureCount;

        Session(byte[] id, Group group, int leafIndex, long cursor) {
            this.id = id;
            this.hex = HexFormat.of().formatHex(id);
            this.group = group;
            this.leafIndex = leafIndex;
            this.cursor = cursor;
        }
    }

    private record StoredGroup(byte[] id, int leafIndex, long epoch, long cursor) {
    }

    private record Created(Session session, byte[] groupInfo) {
    }

    private final Options options;
    private final MlsLane lane;
    private final DeliveryService ds;
    private final Scheduler scheduler;
    private final OperationQueue queue;
    private final byte[] identityBytes;

    // ---- state: touched only inside operations of `queue` (and the lane calls they make) ----
    private Vault.Sealer sealer;
    private byte[] sigPriv;
    private byte[] sigPub;
    private final Map<String, PoolEntry> pool = new LinkedHashMap<>();
    private final Map<String, Session> groups = new LinkedHashMap<>();
    private AutoCloseable subscription;
    private boolean loggedIn;
    // ---- end of state ----

    private final AtomicBoolean syncQueued = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ArrayDeque<Received> inbox = new ArrayDeque<>();
    private final List<Consumer<Received>> listeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<KeyUse>> keyUseListeners = new CopyOnWriteArrayList<>();
    private final ArrayDeque<Refused> refusals = new ArrayDeque<>();
    private final AtomicLong staleDropped = new AtomicLong(), futureBuffered = new AtomicLong(),
            conflictsRecovered = new AtomicLong(), refused = new AtomicLong(), applied = new AtomicLong(),
            received = new AtomicLong(), libraryRejections = new AtomicLong(), rejoins = new AtomicLong();

    /**
     * A client that is not logged in yet.
     *
     * @param options the options
     * @param lane    the process's MLS lane (shared by every client and the embedded delivery service)
     * @param ds      the delivery service
     * @param guard   the guards, for this client's own queue (and its scheduler)
     */
    public MlsClient(Options options, MlsLane lane, DeliveryService ds, ConcurrencyGuard guard) {
        this.options = Objects.requireNonNull(options, "options");
        this.lane = Objects.requireNonNull(lane, "lane");
        this.ds = Objects.requireNonNull(ds, "ds");
        this.scheduler = guard.scheduler();
        this.queue = guard.newOperationQueue("mls-client-" + options.identity(), options.queueCapacity());
        this.identityBytes = options.identity().getBytes(StandardCharsets.UTF_8);
    }

    /** The identity. */
    public String identity() {
        return options.identity();
    }

    /** The options. */
    public Options options() {
        return options;
    }

    // =====================================================================================================
    // Operations
    // =====================================================================================================

    private <T> CompletionStage<T> op(String what, boolean needsLogin, Supplier<CompletionStage<T>> body) {
        if (closed.get()) {
            return CompletableFuture.failedFuture(new MlsException(Reason.CLOSED, options.identity()
                    + ": client is closed; " + what + " was not run"));
        }
        return queue.<T>submit(() -> {
            if (needsLogin && !loggedIn) {
                throw new MlsException(Reason.NOT_LOGGED_IN, options.identity() + ": " + what
                        + " needs a logged-in client; call login(password) first");
            }
            return body.get();
        }).handle((v, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(v);
            }
            MlsException m = MlsException.unwrap(e);
            if (m != null) {
                return CompletableFuture.<T>failedFuture(m);
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof QueueFullException) {
                return CompletableFuture.<T>failedFuture(new MlsException(Reason.BUSY, options.identity() + ": "
                        + what + " not run: " + cause.getMessage(), cause));
            }
            if (cause instanceof GuardClosedException) {
                return CompletableFuture.<T>failedFuture(new MlsException(Reason.CLOSED, options.identity() + ": "
                        + what + " not run: " + cause.getMessage(), cause));
            }
            return CompletableFuture.<T>failedFuture(new MlsException(Reason.LIBRARY_FAILURE,
                    options.identity() + ": " + what + " failed: " + cause.getClass().getSimpleName(), cause));
        }).thenCompose(s -> s);
    }

    /**
     * Logs in: one awaited sequence of unlock-or-create vault, restore, refresh key packages, subscribe, first sync.
     * The password array is not kept (the caller may clear it once the stage completes).
     */
    public CompletionStage<Void> login(char[] password) {
        char[] pw = password.clone();
        return this.<Void>op("login", false, () -> {
            if (loggedIn) {
                throw new MlsException(Reason.BAD_REQUEST, options.identity() + " is already logged in");
            }
            List<StoredGroup> stored = new ArrayList<>();
            CompletionStage<Void> unlocked;
            try {
                if (Vault.exists(options.vaultFile())) {
                    Vault.Opened opened = Vault.open(options.vaultFile(), pw);
                    sealer = opened.sealer();
                    stored.addAll(readState(opened.plaintext()));
                    unlocked = CompletableFuture.completedFuture(null);
                } else {
                    sealer = Vault.create(options.vaultFile(), pw, options.kdf());
                    unlocked = lane.call("create identity", () -> {
                        MlsCipherSuite suite = Bc.suite();
                        AsymmetricCipherKeyPair kp = suite.generateSignatureKeyPair();
                        sigPriv = suite.serializeSignaturePrivateKey(kp.getPrivate());
                        sigPub = suite.serializeSignaturePublicKey(kp.getPublic());
                        return null;
                    });
                }
            } finally {
                Arrays.fill(pw, '\0');
            }
            CompletionStage<Void> chain = unlocked;
            for (StoredGroup g : stored) {
                chain = chain.thenCompose(v -> restoreGroup(g, options.maxCommitRetries()).exceptionally(e -> {
                    // One group that cannot be restored does not stop the login; it is reported in refusals().
                    LOG.log(System.Logger.Level.WARNING, options.identity() + ": could not restore group "
                            + HexFormat.of().formatHex(g.id()) + ": " + rootMessage(e));
                    refuse(g.id(), -1, asMls(e, "restore"));
                    return null;
                }));
            }
            return chain
                    .thenCompose(v -> refreshKeyPackagesNow())
                    .thenCompose(v -> {
                        loggedIn = true;
                        return writeVault();
                    })
                    .thenCompose(v -> {
                        subscription = ds.subscribe(options.identity(), this::scheduleSync);
                        return syncAllNow();
                    });
        });
    }

    /** Seals the whole client state into the vault (atomically). Completes with the plaintext size. */
    public CompletionStage<Integer> exportToVault() {
        return op("export to vault", true, this::writeVault);
    }

    /**
     * Keeps the key-package pool fresh: drops expired packages (locally and at the delivery service), refills to
     * {@link Options#keyPackageTarget()} when fewer than {@link Options#keyPackageLowWater()} are left, and keeps one
     * valid last-resort package. Completes with how many packages were published.
     */
    public CompletionStage<Integer> refreshKeyPackages() {
        return op("refresh key packages", true, this::refreshKeyPackagesNow);
    }

    /** Creates a group with this client as its only member; completes with the group id. */
    public CompletionStage<byte[]> createGroup() {
        return op("create group", true, () -> {
            byte[] groupId = new byte[16];
            RANDOM.nextBytes(groupId);
            return lane.call("create group", () -> {
                MlsCipherSuite suite = Bc.suite();
                AsymmetricCipherKeyPair leafKeys = suite.getHPKE().generatePrivateKey();
                LeafNode leaf = Bc.leafNode(suite, suite.getHPKE().serializePublicKey(leafKeys.getPublic()),
                        signatureKeys(suite), options.identity());
                Group group = new Group(groupId, suite, leafKeys, sigPriv, leaf.copy(leaf.getEncryptionKey()),
                        new ArrayList<>());
                return new Created(new Session(groupId, group, group.getIndex().value(), 0),
                        Bc.encode(group.getGroupInfo(true)));
            }).thenCompose(created -> ds.createGroup(groupId, created.groupInfo()).thenApply(v -> {
                groups.put(created.session().hex, created.session());
                return groupId.clone();
            }));
        });
    }

    /**
     * Adds {@code identity} to the group: claims one of its key packages from the delivery service, checks its
     * credential names {@code identity} ({@link Reason#FOREIGN_CREDENTIAL} otherwise) and its signature, commits, and
     * sends the Welcome. If another member's commit wins the epoch, applies it and retries at the next epoch.
     * Completes with the new epoch.
     */
    public CompletionStage<Long> addMember(byte[] groupId, String identity) {
        EmbeddedDeliveryService.checkIdentity(identity);
        return op("add member", true, () -> {
            Session s = session(groupId);
            return ds.claimKeyPackage(identity)
                    .thenCompose(kpBytes -> lane.call("verify key package", () -> {
                        MlsWire.check(kpBytes, options.maxMessageBytes(), MlsWire.KEY_PACKAGE);
                        Bc.verifyKeyPackage(kpBytes, identity);
                        return kpBytes;
                    }))
                    .thenCompose(kpBytes -> commitLoop(s, group -> {
                        if (Bc.findMember(group.getTree(), identity) != null) {
                            return null; // someone else added them meanwhile
                        }
                        return List.of(Proposal.add(Bc.decode(kpBytes).keyPackage));
                    }, List.of(identity), 0));
        });
    }

    /** Removes the member {@code identity}; completes with the new epoch. Conflicts are retried like adds. */
    public CompletionStage<Long> removeMember(byte[] groupId, String identity) {
        return op("remove member", true, () -> {
            Session s = session(groupId);
            return lane.call("find member", () -> Bc.findMember(s.group.getTree(), identity) != null)
                    .thenCompose(present -> {
                        if (!present) {
                            throw new MlsException(Reason.UNKNOWN_MEMBER, "group " + s.hex + " has no member '"
                                    + identity + "'");
                        }
                        return commitLoop(s, group -> {
                            LeafIndex idx = Bc.findMember(group.getTree(), identity);
                            return idx == null ? null : List.of(Proposal.remove(idx));
                        }, List.of(), 0);
                    });
        });
    }

    /** Commits a fresh path for this member (post-compromise security); completes with the new epoch. */
    public CompletionStage<Long> update(byte[] groupId) {
        return op("update", true, () -> commitLoop(session(groupId), group -> List.of(), List.of(), 0));
    }

    /**
     * Encrypts {@code plaintext} for the group and posts it; if the group moved to a new epoch meanwhile, applies the
     * new commits and encrypts again. Completes with the message's log sequence number.
     */
    public CompletionStage<Long> send(byte[] groupId, byte[] plaintext) {
        Objects.requireNonNull(plaintext, "plaintext");
        byte[] pt = plaintext.clone();
        return op("send", true, () -> {
            if (pt.length > options.maxMessageBytes() - 1024) {
                throw new MlsException(Reason.BAD_REQUEST, "plaintext of " + pt.length + " bytes exceeds the limit of "
                        + (options.maxMessageBytes() - 1024) + " bytes (maxMessageBytes - 1024 for framing)");
            }
            return sendLoop(session(groupId), pt, 0);
        });
    }

    /** Reads everything waiting at the delivery service (Welcomes and group logs) and processes it in order. */
    public CompletionStage<Void> sync() {
        return op("sync", true, this::syncAllNow);
    }

    /**
     * Joins a group from a Welcome received out of band; the group's log is read after {@code afterSeq}. A Welcome
     * that matches none of our unused key packages (for example one replayed after its init key was deleted), or for
     * a group we are already in, fails with {@link Reason#WELCOME_REJECTED}. Completes with the group id.
     */
    public CompletionStage<byte[]> joinFromWelcome(byte[] welcome, long afterSeq) {
        byte[] w = welcome.clone();
        return op("join from welcome", true, () -> join(w, afterSeq).thenApply(s -> s.id.clone()));
    }

    /**
     * Handles one message for the group received out of band, through the same checks as the log: bounded, checked,
     * classified by epoch. Completes when handled; a buffered future-epoch message completes normally.
     */
    public CompletionStage<Void> receive(byte[] groupId, byte[] message) {
        byte[] m = message.clone();
        return op("receive", true, () -> lane.call("handle message", () -> {
            handleMapped(session(groupId), m, -1);
            return null;
        }));
    }

    /** A snapshot of the group. */
    public CompletionStage<GroupStatus> status(byte[] groupId) {
        return op("status", true, () -> {
            Session s = session(groupId);
            return lane.call("group status", () -> new GroupStatus(s.id.clone(), s.group.getEpoch(),
                    s.group.getEpochAuthenticator(), Bc.members(s.group.getTree()), s.cursor));
        });
    }

    /** The ids of the groups this client is in. */
    public CompletionStage<List<byte[]>> groups() {
        return op("list groups", true, () -> CompletableFuture.completedFuture(
                groups.values().stream().map(s -> s.id.clone()).toList()));
    }

    /** Exports a secret from the group's current epoch (RFC 9420 §8.5). */
    public CompletionStage<byte[]> exportSecret(byte[] groupId, String label, byte[] context, int length) {
        return op("export secret", true, () -> {
            Session s = session(groupId);
            return lane.call("export secret", () -> s.group.getKeySchedule().MLSExporter(label, context, length));
        });
    }

    /** Registers a listener for received application messages (called on the scheduler). */
    public void onMessage(Consumer<Received> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Registers a listener told about every message key this client uses to send (for audits). */
    public void onKeyUse(Consumer<KeyUse> listener) {
        keyUseListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Takes the received messages kept since the last call (at most {@link Options#inboxLimit()}). */
    public List<Received> drainInbox() {
        synchronized (inbox) {
            List<Received> out = List.copyOf(inbox);
            inbox.clear();
            return out;
        }
    }

    /** The most recent refusals (at most 100). */
    public List<Refused> refusals() {
        synchronized (refusals) {
            return List.copyOf(refusals);
        }
    }

    /** Counters. */
    public Stats stats() {
        return new Stats(staleDropped.get(), futureBuffered.get(), conflictsRecovered.get(), refused.get(),
                applied.get(), received.get(), libraryRejections.get(), rejoins.get());
    }

    /** The vault's sealer after login (tests install a write hook through it). */
    public Vault.Sealer vaultSealer() {
        return sealer;
    }

    /** Unsubscribes and closes the client's queue; operations not started fail with {@link Reason#CLOSED}. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            AutoCloseable sub = subscription;
            if (sub != null) {
                try {
                    sub.close();
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.DEBUG, "unsubscribe failed: " + e);
                }
            }
            queue.close();
        }
    }

    // =====================================================================================================
    // Internals (run inside operations)
    // =====================================================================================================

    private Session session(byte[] groupId) {
        Session s = groups.get(HexFormat.of().formatHex(Objects.requireNonNull(groupId, "groupId")));
        if (s == null) {
            throw new MlsException(Reason.UNKNOWN_GROUP, options.identity() + " is not a member of group "
                    + HexFormat.of().formatHex(groupId));
        }
        return s;
    }

    private AsymmetricCipherKeyPair signatureKeys(MlsCipherSuite suite) {
        return suite.deserializeSignaturePrivateKey(sigPriv);
    }

    @FunctionalInterface
    private interface Change {
        /** The proposals for the current group, or null if there is nothing left to do. In the lane. */
        List<Proposal> proposals(Group group) throws Exception;
    }

    private record Built(Pending pending, long epoch, byte[] nextInfo, byte[] welcome) {
    }


    private CompletionStage<Long> commitLoop(Session s, Change change, List<String> added, int attempt) {
        return lane.call("commit", () -> {
            List<Proposal> proposals = change.proposals(s.group);
            if (proposals == null) {
                return null;
            }
            proposals = new ArrayList<>(proposals);
            proposals.addAll(staleSelfRemovals(s.group, proposals));
            byte[] leafSecret = new byte[s.group.getSuite().getKDF().getHashLength()];
            RANDOM.nextBytes(leafSecret);
            Group.GroupWithMessage gwm = s.group.commit(new Secret(leafSecret),
                    new Group.CommitOptions(new ArrayList<>(proposals), true, true, null),
                    new Group.MessageOptions(false, new byte[0], 0),
                    new Group.CommitParameters(Group.NORMAL_COMMIT_PARAMS));
            byte[] commit = Bc.encode(gwm.message);
            byte[] welcome = null;
            if (!added.isEmpty()) {
                gwm.message.wireFormat = WireFormat.mls_welcome;
                welcome = Bc.encode(gwm.message);
            }
            // The only use of the pending state before the delivery service accepts the commit: signing the next
            // epoch's GroupInfo, which the service publishes atomically with the commit (for external joins).
            byte[] nextInfo = Bc.encode(gwm.group.getGroupInfo(true));
            return new Built(new Pending(gwm.group, commit), s.group.getEpoch(), nextInfo, welcome);
        }).thenCompose(built -> {
            if (built == null) {
                return lane.call("epoch", () -> s.group.getEpoch());
            }
            s.pendings.add(built.pending());
            List<WelcomeFor> welcomes = new ArrayList<>();
            for (String id : added) {
                welcomes.add(new WelcomeFor(id, built.welcome()));
            }
            return ds.postCommit(s.id, built.epoch(), built.pending().commit(), built.nextInfo(), welcomes)
                    .handle((r, e) -> {
                        if (e != null) {
                            // Outcome unknown (the DS may have accepted it): keep the pending state; it is adopted
                            // only if the log delivers exactly these bytes, and dropped when the epoch moves on.
                            throw asMls(e, "post commit");
                        }
                        return r;
                    })
                    .thenCompose(r -> {
                        if (r.accepted()) {
                            // Adopt our commit only when the log delivers exactly its bytes, in log order.
                            return syncSession(s, r.seq()).thenCompose(v -> lane.call("epoch", () -> {
                                if (s.group.getEpoch() != built.epoch() + 1) {
                                    throw new MlsException(Reason.DELIVERY_FAILURE, "the delivery service accepted "
                                            + "our commit for epoch " + built.epoch() + " of group " + s.hex
                                            + " but did not deliver it in its log");
                                }
                                return s.group.getEpoch();
                            }));
                        }
                        // Lost the race: discard the pending state, apply the winner, redo at the next epoch.
                        s.pendings.remove(built.pending());
                        if (attempt >= options.maxCommitRetries()) {
                            throw new MlsException(Reason.COMMIT_CONFLICT, "group " + s.hex + ": another member's "
                                    + "commit won epoch " + built.epoch() + " " + (attempt + 1)
                                    + " times in a row (maxCommitRetries " + options.maxCommitRetries() + ")");
                        }
                        conflictsRecovered.incrementAndGet();
                        return syncSession(s, Long.MAX_VALUE)
                                .thenCompose(v -> commitLoop(s, change, added, attempt + 1));
                    });
        });
    }

    /**
     * Removals of our own stale leaves (left by a rejoin while alone, see {@link #restoreGroup}), when the commit
     * leaves someone else in the group. In the lane.
     */
    private List<Proposal> staleSelfRemovals(Group group, List<Proposal> proposals) throws Exception {
        TreeKEMPublicKey tree = group.getTree();
        List<LeafIndex> stale = new ArrayList<>();
        boolean someoneElse = proposals.stream().anyMatch(p -> p.getAdd() != null);
        for (int i = 0; i < tree.getSize().leafCount(); i++) {
            LeafIndex idx = new LeafIndex(i);
            LeafNode leaf = tree.getLeafNode(idx);
            if (leaf == null || i == group.getIndex().value()) {
                continue;
            }
            if (options.identity().equals(Bc.basicIdentity(leaf.getCredential()))) {
                stale.add(idx);
            } else {
                someoneElse = true;
            }
        }
        if (!someoneElse) {
            return List.of();
        }
        List<Proposal> out = new ArrayList<>();
        for (LeafIndex idx : stale) {
            boolean already = proposals.stream().anyMatch(p -> p.getRemove() != null);
            if (!already) {
                out.add(Proposal.remove(idx));
            }
        }
        return out;
    }

    private CompletionStage<Long> sendLoop(Session s, byte[] pt, int attempt) {
        if (s.sentThisEpoch >= options.maxSendsPerEpoch()) {
            // Bound the message keys bcmls keeps for this epoch: move to a new epoch first.
            return commitLoop(s, group -> List.of(), List.of(), 0).thenCompose(epoch -> sendLoop(s, pt, attempt));
        }
        return lane.call("protect", () -> {
            s.sentThisEpoch++;
            byte[] msg = Bc.encode(s.group.protect(new byte[0], pt, 0));
            if (!keyUseListeners.isEmpty()) {
                SenderData sd = SenderData.of(s.group, msg);
                KeyUse use = new KeyUse(s.id.clone(), s.group.getEpoch(), s.group.getEpochAuthenticator(),
                        sd.leafIndex(), sd.generation(), sd.reuseGuard(), msg);
                for (Consumer<KeyUse> l : keyUseListeners) {
                    l.accept(use);
                }
            }
            return Map.entry(s.group.getEpoch(), msg);
        }).thenCompose(m -> ds.postApplication(s.id, m.getKey(), m.getValue())).thenCompose(r -> {
            if (r.accepted()) {
                s.ownSeqs.add(r.seq());
                return CompletableFuture.completedFuture(r.seq());
            }
            if (attempt >= options.maxCommitRetries()) {
                throw new MlsException(Reason.COMMIT_CONFLICT, "group " + s.hex + " kept moving to new epochs while "
                        + "sending (" + (attempt + 1) + " attempts)");
            }
            return syncSession(s, Long.MAX_VALUE).thenCompose(v -> sendLoop(s, pt, attempt + 1));
        });
    }

    private static MlsException asMls(Throwable e, String what) {
        MlsException m = MlsException.unwrap(e);
        return m != null ? m : new MlsException(Reason.DELIVERY_FAILURE, what + " failed: " + rootMessage(e), e);
    }

    private static String rootMessage(Throwable e) {
        MlsException m = MlsException.unwrap(e);
        if (m != null) {
            return m.getMessage();
        }
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    private void scheduleSync() {
        if (closed.get() || !syncQueued.compareAndSet(false, true)) {
            return;
        }
        op("sync", true, () -> {
            syncQueued.set(false);
            return syncAllNow();
        }).whenComplete((v, e) -> {
            if (e != null && !closed.get()) {
                LOG.log(System.Logger.Level.WARNING, options.identity() + ": sync failed: " + rootMessage(e));
            }
        });
    }

    private CompletionStage<Void> syncAllNow() {
        return ds.takeWelcomes(options.identity()).thenCompose(welcomes -> {
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (WelcomeEnvelope w : welcomes) {
                chain = chain.thenCompose(v -> join(w.welcome(), w.afterSeq()).handle((s, e) -> {
                    if (e != null) {
                        refuse(w.groupId(), -1, asMls(e, "join"));
                    }
                    return null;
                }));
            }
            return chain;
        }).thenCompose(v -> {
            CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
            for (Session s : List.copyOf(groups.values())) {
                chain = chain.thenCompose(x -> syncSession(s, Long.MAX_VALUE));
            }
            return chain;
        });
    }

    /** Reads the group's log after its cursor up to {@code upTo} (inclusive) and processes each entry in order. */
    private CompletionStage<Void> syncSession(Session s, long upTo) {
        if (s.cursor >= upTo || groups.get(s.hex) != s) {
            return CompletableFuture.completedFuture(null);
        }
        int batch = 256;
        return ds.fetch(s.id, s.cursor, batch).thenCompose(entries -> {
            List<Envelope> todo = entries.stream().filter(e -> e.seq() > s.cursor && e.seq() <= upTo).toList();
            if (todo.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            return lane.call("handle log entries", () -> {
                for (Envelope e : todo) {
                    if (groups.get(s.hex) != s) {
                        break;
                    }
                    s.cursor = e.seq();
                    if (e.kind() == DeliveryService.Kind.APPLICATION && s.ownSeqs.remove(e.seq())) {
                        continue;
                    }
                    try {
                        handleMapped(s, e.message(), e.seq());
                    } catch (MlsException m) {
                        refuse(s.id, e.seq(), m);
                        if (e.kind() == DeliveryService.Kind.COMMIT && m.reason() != Reason.STALE_EPOCH) {
                            s.desynced = true;
                            break;
                        }
                    }
                }
                return entries.size() == batch;
            }).thenCompose(more -> {
                if (s.desynced) {
                    return rejoin(s);
                }
                return more ? syncSession(s, upTo) : CompletableFuture.completedFuture(null);
            });
        });
    }

    /**
     * Recovers a group whose accepted commit we could not apply: drops the state and rejoins by external join
     * (the same path as a restore). Messages of the epochs in between are lost to us; the group carries on.
     */
    private CompletionStage<Void> rejoin(Session s) {
        groups.remove(s.hex);
        rejoins.incrementAndGet();
        LOG.log(System.Logger.Level.WARNING, options.identity() + ": cannot follow group " + s.hex
                + " any more; rejoining by external commit");
        return lane.call("epoch", () -> s.group.getEpoch()).thenCompose(epoch ->
                restoreGroup(new StoredGroup(s.id, s.leafIndex, epoch, s.cursor), options.maxCommitRetries()))
                .exceptionally(e -> {
                    MlsException m = MlsException.unwrap(e);
                    if (m != null && m.reason() == Reason.UNKNOWN_MEMBER) {
                        // bcmls cannot handle the commit that removes us; the current GroupInfo confirms it.
                        LOG.log(System.Logger.Level.INFO, options.identity() + " was removed from group " + s.hex);
                        return null;
                    }
                    throw m != null ? m : new MlsException(Reason.DELIVERY_FAILURE, "rejoin failed", e);
                });
    }

    private void refuse(byte[] groupId, long seq, MlsException e) {
        refused.incrementAndGet();
        synchronized (refusals) {
            refusals.addLast(new Refused(groupId.clone(), seq, e.reason(), e.getMessage()));
            while (refusals.size() > 100) {
                refusals.pollFirst();
            }
        }
        LOG.log(System.Logger.Level.INFO, options.identity() + ": refused a message: " + e.getMessage());
    }

    /** {@link #handleIncoming}, with the library's exceptions mapped to {@link Reason#LIBRARY_FAILURE}. */
    private void handleMapped(Session s, byte[] message, long seq) {
        try {
            handleIncoming(s, message, seq);
        } catch (MlsException e) {
            throw e;
        } catch (Exception e) {
            libraryRejections.incrementAndGet();
            throw new MlsException(Reason.LIBRARY_FAILURE, "message" + (seq >= 0 ? " at seq " + seq : "")
                    + " of group " + s.hex + " was rejected by the MLS library: " + e.getClass().getSimpleName()
                    + "; the group is unchanged", e);
        }
    }

    /**
     * Classifies a message by epoch, then handles it. In the lane, inside an operation.
     *
     * @throws MlsException why it was refused
     */
    private void handleIncoming(Session s, byte[] message, long seq) throws Exception {
        MlsWire.Header h = MlsWire.check(message, options.maxMessageBytes(), 0);
        if (h.wireFormat() != MlsWire.PUBLIC_MESSAGE && h.wireFormat() != MlsWire.PRIVATE_MESSAGE) {
            throw new MlsException(Reason.MALFORMED_MESSAGE, "wire format " + h.wireFormat()
                    + " is not a group message (public or private)");
        }
        if (!Arrays.equals(h.groupId(), s.id)) {
            throw new MlsException(Reason.WRONG_GROUP, "message for group " + HexFormat.of().formatHex(h.groupId())
                    + " delivered for group " + s.hex);
        }
        long current = s.group.getEpoch();
        if (h.epoch() < current) {
            staleDropped.incrementAndGet();
            throw new MlsException(Reason.STALE_EPOCH, "message for epoch " + h.epoch() + " of group " + s.hex
                    + ", which is at epoch " + current + (h.contentType() == MlsWire.COMMIT
                    ? " (a commit that lost the race for its epoch)" : "") + "; dropped");
        }
        if (h.epoch() > current) {
            if (s.futureCount >= options.futureBufferLimit()) {
                throw new MlsException(Reason.FUTURE_EPOCH_BUFFER_FULL, "message for future epoch " + h.epoch()
                        + " of group " + s.hex + " (at epoch " + current + "): " + s.futureCount
                        + " messages are buffered, the limit (futureBufferLimit)");
            }
            s.future.computeIfAbsent(h.epoch(), k -> new ArrayList<>()).add(message);
            s.futureCount++;
            futureBuffered.incrementAndGet();
            return;
        }
        switch (h.contentType()) {
            case MlsWire.COMMIT -> applyCommit(s, message);
            case MlsWire.APPLICATION -> {
                if (h.wireFormat() != MlsWire.PRIVATE_MESSAGE) {
                    throw new MlsException(Reason.MALFORMED_MESSAGE, "unencrypted application message refused");
                }
                SenderData sd = SenderData.of(s.group, message);
                byte[][] out = s.group.unprotect(Bc.decode(message));
                LeafNode leaf = s.group.getTree().hasLeaf(new LeafIndex(sd.leafIndex()))
                        ? s.group.getTree().getLeafNode(new LeafIndex(sd.leafIndex())) : null;
                String sender = leaf == null ? "?" : Bc.basicIdentity(leaf.getCredential());
                deliver(new Received(s.id.clone(), sender, out[1], current, seq));
            }
            default -> throw new MlsException(Reason.MALFORMED_MESSAGE, "standalone proposals are not used by "
                    + "this client; content type " + h.contentType() + " refused");
        }
    }

    private void applyCommit(Session s, byte[] commit) throws Exception {
        Group next = null;
        for (Pending p : s.pendings) {
            if (Arrays.equals(commit, p.commit())) {
                next = p.next(); // our own commit, matched by its bytes
            }
        }
        if (next == null) {
            next = s.group.handle(commit, null);
            if (next == null) {
                throw new MlsException(Reason.MALFORMED_MESSAGE, "handshake message in group " + s.hex
                        + " did not produce a new epoch");
            }
        }
        s.pendings.clear();
        s.group = next;
        s.sentThisEpoch = 0;
        applied.incrementAndGet();
        if (!Bc.leafHasKey(next.getTree(), next.getIndex(), sigPub)) {
            // We were removed (or replaced) by this commit.
            groups.remove(s.hex);
            return;
        }
        s.leafIndex = next.getIndex().value();
        // Drop buffered messages that are now stale; hand over those for the new epoch.
        while (!s.future.isEmpty() && s.future.firstKey() <= next.getEpoch()) {
            Map.Entry<Long, List<byte[]>> e = s.future.pollFirstEntry();
            s.futureCount -= e.getValue().size();
            if (e.getKey() == next.getEpoch()) {
                for (byte[] m : e.getValue()) {
                    try {
                        handleMapped(s, m, -1);
                    } catch (MlsException x) {
                        refuse(s.id, -1, x);
                    }
                }
            }
        }
    }

    private void deliver(Received r) {
        received.incrementAndGet();
        synchronized (inbox) {
            inbox.addLast(r);
            while (inbox.size() > options.inboxLimit()) {
                inbox.pollFirst();
            }
        }
        for (Consumer<Received> l : listeners) {
            scheduler.execute(() -> {
                try {
                    l.accept(r);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "message listener failed: " + e);
                }
            });
        }
    }

    private CompletionStage<Session> join(byte[] welcome, long afterSeq) {
        return lane.call("join from welcome", () -> {
            MlsWire.check(welcome, options.maxMessageBytes(), MlsWire.WELCOME);
            Welcome w = Bc.decode(welcome).welcome;
            MlsCipherSuite suite = Bc.suite();
            for (PoolEntry e : pool.values()) {
                KeyPackage kp = Bc.decode(e.keyPackage()).keyPackage;
                if (w.find(kp) < 0) {
                    continue;
                }
                AsymmetricCipherKeyPair enc = suite.getHPKE().deserializePrivateKey(e.encPriv(), e.encPub());
                Group g = new Group(e.initPriv(), enc, sigPriv, kp, w, null, new HashMap<>(), new HashMap<>());
                String hex = HexFormat.of().formatHex(g.getGroupID());
                if (groups.containsKey(hex)) {
                    throw new MlsException(Reason.WELCOME_REJECTED, "Welcome for group " + hex
                            + ", which " + options.identity() + " is already a member of");
                }
                if (!e.lastResort()) {
                    pool.remove(e.ref()); // delete the init key: the same Welcome can never be used again
                }
                Session s = new Session(g.getGroupID(), g, g.getIndex().value(), afterSeq);
                groups.put(hex, s);
                return s;
            }
            throw new MlsException(Reason.WELCOME_REJECTED, "Welcome matches none of " + options.identity()
                    + "'s unused key packages (already used, expired, or meant for someone else)");
        });
    }

    private CompletionStage<Integer> refreshKeyPackagesNow() {
        long now = scheduler.clock().millis();
        List<String> expired = new ArrayList<>();
        boolean lastResortValid = false;
        for (Iterator<PoolEntry> it = pool.values().iterator(); it.hasNext(); ) {
            PoolEntry e = it.next();
            if (e.notAfterMillis() <= now) {
                expired.add(e.ref());
                it.remove();
            } else if (e.lastResort()) {
                lastResortValid = true;
            }
        }
        boolean needLastResort = !lastResortValid;
        CompletionStage<Void> withdrawn = expired.isEmpty() ? CompletableFuture.completedFuture(null)
                : ds.withdrawKeyPackages(options.identity(), expired);
        return withdrawn.thenCompose(v -> ds.keyPackageCount(options.identity())).thenCompose(count -> {
            int ordinary = count < options.keyPackageLowWater() ? options.keyPackageTarget() - count : 0;
            if (ordinary == 0 && !needLastResort) {
                return CompletableFuture.completedFuture(0);
            }
            long notAfter = now + options.keyPackageLifetime().toMillis();
            return lane.call("generate key packages", () -> {
                MlsCipherSuite suite = Bc.suite();
                AsymmetricCipherKeyPair sig = signatureKeys(suite);
                List<PoolEntry> fresh = new ArrayList<>();
                for (int i = 0; i < ordinary + (needLastResort ? 1 : 0); i++) {
                    AsymmetricCipherKeyPair init = suite.getHPKE().generatePrivateKey();
                    AsymmetricCipherKeyPair enc = suite.getHPKE().generatePrivateKey();
                    byte[] encPub = suite.getHPKE().serializePublicKey(enc.getPublic());
                    byte[] initPub = suite.getHPKE().serializePublicKey(init.getPublic());
                    KeyPackage kp = new KeyPackage(suite, initPub, Bc.leafNode(suite, encPub, sig, options.identity()),
                            new ArrayList<>(), sigPriv);
                    byte[] bytes = Bc.encode(MLSMessage.keyPackage(kp));
                    fresh.add(new PoolEntry(Bc.ref(bytes), bytes,
                            suite.getHPKE().serializePrivateKey(init.getPrivate()), initPub,
                            suite.getHPKE().serializePrivateKey(enc.getPrivate()), encPub, now, notAfter,
                            needLastResort && i == ordinary));
                }
                return fresh;
            }).thenCompose(fresh -> ds.publishKeyPackages(options.identity(), fresh.stream()
                    .map(e -> new PublishedKeyPackage(e.keyPackage(), e.notAfterMillis(), e.lastResort()))
                    .toList()).thenApply(x -> {
                        if (needLastResort) {
                            pool.values().removeIf(PoolEntry::lastResort);
                        }
                        for (PoolEntry e : fresh) {
                            pool.put(e.ref(), e);
                        }
                        return fresh.size();
                    }));
        });
    }

    /** Restores membership by external join (RFC 9420 §12.4.3.2), replacing our prior leaf. */
    private CompletionStage<Void> restoreGroup(StoredGroup g, int retriesLeft) {
        return ds.groupInfo(g.id()).thenCompose(infoBytes -> lane.call("external join", () -> {
            MlsWire.Header h = MlsWire.check(infoBytes, options.maxMessageBytes(), MlsWire.GROUP_INFO);
            String hex = HexFormat.of().formatHex(g.id());
            if (!Arrays.equals(h.groupId(), g.id())) {
                throw new MlsException(Reason.INVALID_GROUP_INFO, "GroupInfo for group "
                        + HexFormat.of().formatHex(h.groupId()) + " returned for group " + hex);
            }
            if (h.epoch() < g.epoch()) {
                throw new MlsException(Reason.INVALID_GROUP_INFO, "GroupInfo of group " + hex + " is for epoch "
                        + h.epoch() + ", older than the epoch " + g.epoch() + " in our vault (rollback?)");
            }
            GroupInfo info = Bc.decode(infoBytes).groupInfo;
            TreeKEMPublicKey tree = Bc.treeOf(info);
            if (tree == null) {
                throw new MlsException(Reason.INVALID_GROUP_INFO, "GroupInfo of group " + hex
                        + " carries no ratchet tree");
            }
            MlsCipherSuite suite = info.getSuite();
            if (suite.getSuiteID() != Bc.SUITE_ID || !tree.hasLeaf(info.getSigner())
                    || !info.verify(suite, tree)) {
                throw new MlsException(Reason.INVALID_GROUP_INFO, "GroupInfo of group " + hex
                        + " does not verify (signature by its signer leaf " + info.getSigner().value() + ")");
            }
            tree.setHashAll();
            if (!Arrays.equals(tree.getRootHash(), info.getGroupContext().getTreeHash())
                    || !tree.verifyParentHash()) {
                throw new MlsException(Reason.INVALID_GROUP_INFO, "GroupInfo of group " + hex
                        + " carries a ratchet tree that does not match its tree hash");
            }
            LeafIndex prior = new LeafIndex(g.leafIndex());
            if (!Bc.leafHasKey(tree, prior, sigPub)) {
                prior = Bc.findMember(tree, options.identity());
            }
            if (prior == null || !Bc.leafHasKey(tree, prior, sigPub)) {
                throw new MlsException(Reason.UNKNOWN_MEMBER, options.identity() + " is no longer a member of group "
                        + hex + "; it cannot rejoin by external commit");
            }
            // bcmls 1.84 cannot commit with a path when the committer ends up alone in the tree
            // (TreeKEMPublicKey.parentHashes: IndexOutOfBounds): a member alone in its group joins beside its old
            // leaf, and its next commit that leaves someone else in the group removes the stale leaf.
            boolean alone = Bc.members(tree).size() == 1;
            AsymmetricCipherKeyPair sig = signatureKeys(suite);
            AsymmetricCipherKeyPair init = suite.getHPKE().generatePrivateKey();
            AsymmetricCipherKeyPair enc = suite.getHPKE().generatePrivateKey();
            KeyPackage kp = new KeyPackage(suite, suite.getHPKE().serializePublicKey(init.getPublic()),
                    Bc.leafNode(suite, suite.getHPKE().serializePublicKey(enc.getPublic()), sig, options.identity()),
                    new ArrayList<>(), sigPriv);
            byte[] leafSecret = new byte[suite.getKDF().getHashLength()];
            RANDOM.nextBytes(leafSecret);
            Group.GroupWithMessage gwm = Group.externalJoin(new Secret(leafSecret), sig, kp, info, null,
                    new Group.MessageOptions(false, new byte[0], 0), alone ? null : prior, new HashMap<>());
            return new Built(new Pending(gwm.group, Bc.encode(gwm.message)), info.getEpoch(),
                    Bc.encode(gwm.group.getGroupInfo(true)), null);
        })).thenCompose(built -> ds.postCommit(g.id(), built.epoch(), built.pending().commit(), built.nextInfo(),
                List.of()).thenCompose(r -> {
                    if (r.accepted()) {
                        return lane.call("adopt external join", () -> {
                            Group joined = built.pending().next();
                            Session s = new Session(g.id(), joined, joined.getIndex().value(), r.seq());
                            groups.put(s.hex, s);
                            return null;
                        });
                    }
                    if (retriesLeft <= 0) {
                        throw new MlsException(Reason.COMMIT_CONFLICT, "rejoining group "
                                + HexFormat.of().formatHex(g.id()) + " lost the race for its epoch too often");
                    }
                    conflictsRecovered.incrementAndGet();
                    return restoreGroup(g, retriesLeft - 1);
                }));
    }

    // ---- vault state ----

    private CompletionStage<Integer> writeVault() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", 1);
        root.put("identity", options.identity());
        root.put("suite", Bc.SUITE_ID);
        root.put("sigPriv", B64.encodeToString(sigPriv));
        root.put("sigPub", B64.encodeToString(sigPub));
        ArrayNode kps = root.putArray("keyPackages");
        for (PoolEntry e : pool.values()) {
            ObjectNode n = kps.addObject();
            n.put("keyPackage", B64.encodeToString(e.keyPackage()));
            n.put("initPriv", B64.encodeToString(e.initPriv()));
            n.put("initPub", B64.encodeToString(e.initPub()));
            n.put("encPriv", B64.encodeToString(e.encPriv()));
            n.put("encPub", B64.encodeToString(e.encPub()));
            n.put("createdAt", e.createdAtMillis());
            n.put("notAfter", e.notAfterMillis());
            n.put("lastResort", e.lastResort());
        }
        ArrayNode gs = root.putArray("groups");
        List<Session> sessions = List.copyOf(groups.values());
        return lane.call("snapshot epochs", () -> {
            List<Long> epochs = new ArrayList<>();
            for (Session s : sessions) {
                epochs.add(s.group.getEpoch());
            }
            return epochs;
        }).thenApply(epochs -> {
            for (int i = 0; i < sessions.size(); i++) {
                Session s = sessions.get(i);
                ObjectNode n = gs.addObject();
                n.put("id", B64.encodeToString(s.id));
                n.put("leafIndex", s.leafIndex);
                n.put("epoch", epochs.get(i));
                n.put("cursor", s.cursor);
            }
            try {
                byte[] plain = JSON.writeValueAsBytes(root);
                sealer.write(plain);
                return plain.length;
            } catch (IOException e) {
                throw new MlsException(Reason.DELIVERY_FAILURE, "could not write vault " + sealer.file() + ": "
                        + e.getMessage() + "; the previous vault is intact", e);
            }
        });
    }

    private List<StoredGroup> readState(byte[] plain) {
        try {
            JsonNode root = JSON.readTree(plain);
            if (root.path("format").asInt() != 1 || !options.identity().equals(root.path("identity").asText())) {
                throw new MlsException(Reason.VAULT_CORRUPT, "vault " + options.vaultFile() + " belongs to '"
                        + root.path("identity").asText() + "' (format " + root.path("format").asInt()
                        + "), not to '" + options.identity() + "'");
            }
            sigPriv = B64D.decode(root.path("sigPriv").asText());
            sigPub = B64D.decode(root.path("sigPub").asText());
            pool.clear();
            for (JsonNode n : root.path("keyPackages")) {
                byte[] kp = B64D.decode(n.path("keyPackage").asText());
                pool.put(Bc.ref(kp), new PoolEntry(Bc.ref(kp), kp, B64D.decode(n.path("initPriv").asText()),
                        B64D.decode(n.path("initPub").asText()), B64D.decode(n.path("encPriv").asText()),
                        B64D.decode(n.path("encPub").asText()), n.path("createdAt").asLong(),
                        n.path("notAfter").asLong(), n.path("lastResort").asBoolean()));
            }
            List<StoredGroup> out = new ArrayList<>();
            for (JsonNode n : root.path("groups")) {
                out.add(new StoredGroup(B64D.decode(n.path("id").asText()), n.path("leafIndex").asInt(),
                        n.path("epoch").asLong(), n.path("cursor").asLong()));
            }
            return out;
        } catch (IOException | IllegalArgumentException e) {
            throw new MlsException(Reason.VAULT_CORRUPT, "vault " + options.vaultFile()
                    + " decrypted but its contents are not valid client state");
        }
    }

    /** The number of key packages in the local pool (unused secrets held), for tests and monitoring. */
    public CompletionStage<Integer> keyPackagePoolSize() {
        return op("pool size", true, () -> CompletableFuture.completedFuture(pool.size()));
    }
}
