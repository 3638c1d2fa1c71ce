package dev.interlock.plugin.telegram.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The bridge's durable state in one SQLite database: sessions, the ledger of created topics, the outbox and pending
 * approvals.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Accepted means persisted.</b> {@link #accept} returns only after its transaction committed; the daemon
 *       acknowledges a bridge message only after that. The database runs in WAL mode with
 *       {@code synchronous=NORMAL} by default: a commit survives a crash of the process (SIGKILL included); after a
 *       power loss the last commits may be lost. {@code synchronous=FULL} ({@code durableAgainstPowerLoss}) closes
 *       that window at the cost of an fsync per commit.
 *   <li><b>Order.</b> Outbox ids increase in commit order; per session that is the order the daemon accepted the
 *       messages, and {@link #pending} returns rows in that order.
 *   <li><b>Exactly once resolution.</b> {@link #resolveApproval} changes a pending approval once; later calls
 *       return {@code false} and change nothing.
 *   <li><b>Threads.</b> All methods are thread-safe; each is one short transaction on one connection (callers
 *       are serialised). None of them is ever called while a Telegram call is outstanding on the caller's behalf.
 *   <li><b>Files.</b> The database file (and SQLite's -wal/-shm files, which inherit its mode) is 0600; a missing
 *       parent directory is created 0700.
 * </ul>
 */
public final class BridgeStore implements AutoCloseable {

    /**
     * Versioned schema migrations: element {@code i} moves the schema from version {@code i} to {@code i + 1}. The
     * version is kept in {@code PRAGMA user_version}. Append only; never edit a released migration.
     */
    private static final List<String[]> MIGRATIONS = List.of(
            new String[] {
                """
                CREATE TABLE sessions (
                  id TEXT PRIMARY KEY,
                  chat_id INTEGER NOT NULL,
                  thread_id INTEGER,
                  host TEXT,
                  project_dir TEXT,
                  status TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL)""",
                """
                CREATE TABLE topics (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  session_id TEXT NOT NULL,
                  chat_id INTEGER NOT NULL,
                  thread_id INTEGER,
                  name TEXT NOT NULL,
                  state TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL)""",
                """
                CREATE TABLE outbox (
                  id INTEGER PRIMARY KEY AUTOINCREMENT,
                  session_id TEXT NOT NULL,
                  chat_id INTEGER NOT NULL,
                  kind TEXT NOT NULL,
                  html TEXT,
                  plain TEXT NOT NULL,
                  approval_id TEXT,
                  state INTEGER NOT NULL DEFAULT 0,
                  received_at TEXT NOT NULL,
                  delivered_at TEXT,
                  message_id INTEGER,
                  error TEXT)""",
                """
                CREATE TABLE approvals (
                  id TEXT PRIMARY KEY,
                  session_id TEXT NOT NULL,
                  tool TEXT,
                  request TEXT,
                  state TEXT NOT NULL,
                  decided_by TEXT,
                  decided_at TEXT,
                  thread_id INTEGER,
                  message_id INTEGER,
                  created_at TEXT NOT NULL)""",
                "CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            },
            new String[] {
                "CREATE INDEX outbox_pending ON outbox(session_id, state, id)",
                "CREATE INDEX topics_session ON topics(session_id, state)",
                "ALTER TABLE sessions ADD COLUMN auto_allow INTEGER NOT NULL DEFAULT 0"
            });

    /** The schema version this code writes. */
    public static final int SCHEMA_VERSION = MIGRATIONS.size();

    private static final int PENDING = 0;
    private static final int DELIVERED = 1;
    private static final int FAILED = 2;

    private final Path file;
    private final Clock clock;
    private final Connection connection;

    private BridgeStore(Path file, Clock clock, Connection connection) {
        this.file = file;
        this.clock = clock;
        this.connection = connection;
    }

    /** Opens (creating if needed) and migrates the database at {@code file}. */
    public static BridgeStore open(Path file, Clock clock, boolean durableAgainstPowerLoss) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(clock, "clock");
        Path absolute = file.toAbsolutePath();
        try {
            Path dir = absolute.getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            try {
                Files.createFile(absolute, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rw-------")));
            } catch (FileAlreadyExistsException e) {
                Files.setPosixFilePermissions(absolute, PosixFilePermissions.fromString("rw-------"));
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the bridge database " + absolute + ": " + e
                    + ". Fix: choose a --db path in a directory you own.", e);
        }
        Connection c = null;
        try {
            c = DriverManager.getConnection("jdbc:sqlite:" + absolute);
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=" + (durableAgainstPowerLoss ? "FULL" : "NORMAL"));
                s.execute("PRAGMA busy_timeout=5000");
            }
            BridgeStore store = new BridgeStore(absolute, clock, c);
            store.migrate();
            return store;
        } catch (SQLException | RuntimeException e) {
            if (c != null) {
                try {
                    c.close();
                } catch (SQLException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (e instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("cannot open the bridge database " + absolute + ": " + e.getMessage(), e);
        }
    }

    private void migrate() throws SQLException {
        int version = schemaVersion();
        if (version > SCHEMA_VERSION) {
            throw new StoreException("the bridge database " + file + " has schema version " + version
                    + ", newer than this build understands (" + SCHEMA_VERSION
                    + "). Fix: run a newer interlock, or point --db at another file.");
        }
        for (int v = version; v < SCHEMA_VERSION; v++) {
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement()) {
                for (String sql : MIGRATIONS.get(v)) {
                    s.execute(sql);
                }
                s.execute("PRAGMA user_version=" + (v + 1));
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw new StoreException("migration of " + file + " from schema version " + v + " to " + (v + 1)
                        + " failed: " + e.getMessage(), e);
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }

    /** The schema version of the open database. */
    public synchronized int schemaVersion() {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getInt(1) : 0;
        } catch (SQLException e) {
            throw fail("read the schema version", e);
        }
    }

    /** The database file. */
    public Path file() {
        return file;
    }

    /** What {@link #accept} did. */
    public record Accepted(boolean newSession, long firstId, long lastId) {
    }

    /**
     * One message to persist: creates the session (and appends {@code headerIfNew} first, the message that makes a
     * new topic visible) if it is new, creates the approval if {@code approvalId} is not {@code null}, and appends
     * {@code rows}.
     */
    public record AcceptRequest(long chatId, String sessionId, String host, String projectDir,
                                List<NewRow> headerIfNew, List<NewRow> rows, String approvalId, String tool,
                                String request) {
    }

    /** Persists one message in its own transaction; see {@link AcceptRequest}. */
    public synchronized Accepted accept(long chatId, String sessionId, String host, String projectDir,
                                        List<NewRow> headerIfNew, List<NewRow> rows,
                                        String approvalId, String tool, String request) {
        return acceptAll(List.of(new AcceptRequest(chatId, sessionId, host, projectDir, headerIfNew, rows,
                approvalId, tool, request))).getFirst();
    }

    /**
     * Persists several messages in one transaction (group commit), in list order: all or none. The results are in
     * the same order.
     */
    public synchronized List<Accepted> acceptAll(List<AcceptRequest> requests) {
        String now = now();
        return inTransaction("accept " + requests.size() + " messages", () -> {
            List<Accepted> results = new ArrayList<>(requests.size());
            try (PreparedStatement insertSession = connection.prepareStatement(
                    "INSERT INTO sessions(id, chat_id, host, project_dir, status, created_at, updated_at)"
                            + " VALUES(?,?,?,?,'active',?,?) ON CONFLICT(id) DO NOTHING");
                 PreparedStatement touchSession = connection.prepareStatement(
                         "UPDATE sessions SET updated_at=?, host=COALESCE(host, ?),"
                                 + " project_dir=COALESCE(project_dir, ?) WHERE id=?");
                 PreparedStatement insertApproval = connection.prepareStatement(
                         "INSERT INTO approvals(id, session_id, tool, request, state, created_at)"
                                 + " VALUES(?,?,?,?,'PENDING',?)");
                 PreparedStatement insertRow = connection.prepareStatement(
                         "INSERT INTO outbox(session_id, chat_id, kind, html, plain, approval_id, received_at)"
                                 + " VALUES(?,?,?,?,?,?,?) RETURNING id")) {
                for (AcceptRequest r : requests) {
                    insertSession.setString(1, r.sessionId());
                    insertSession.setLong(2, r.chatId());
                    insertSession.setString(3, r.host());
                    insertSession.setString(4, r.projectDir());
                    insertSession.setString(5, now);
                    insertSession.setString(6, now);
                    boolean created = insertSession.executeUpdate() == 1;
                    if (!created) {
                        touchSession.setString(1, now);
                        touchSession.setString(2, r.host());
                        touchSession.setString(3, r.projectDir());
                        touchSession.setString(4, r.sessionId());
                        touchSession.executeUpdate();
                    }
                    if (r.approvalId() != null) {
                        insertApproval.setString(1, r.approvalId());
                        insertApproval.setString(2, r.sessionId());
                        insertApproval.setString(3, r.tool());
                        insertApproval.setString(4, r.request());
                        insertApproval.setString(5, now);
                        insertApproval.executeUpdate();
                    }
                    long first = -1;
                    long last = -1;
                    List<NewRow> all = new ArrayList<>();
                    if (created) {
                        all.addAll(r.headerIfNew());
                    }
                    all.addAll(r.rows());
                    for (NewRow row : all) {
                        insertRow.setString(1, r.sessionId());
                        insertRow.setLong(2, r.chatId());
                        insertRow.setString(3, row.kind().name());
                        insertRow.setString(4, row.html());
                        insertRow.setString(5, row.plain());
                        insertRow.setString(6, row.approvalId());
                        insertRow.setString(7, now);
                        try (ResultSet keys = insertRow.executeQuery()) {
                            keys.next();
                            last = keys.getLong(1);
                            if (first < 0) {
                                first = last;
                            }
                        }
                    }
                    results.add(new Accepted(created, first, last));
                }
            }
            return results;
        });
    }

    /** The thread id of the session's live topic, if it has one. */
    public synchronized OptionalLong threadFor(String sessionId) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT thread_id FROM sessions WHERE id=?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    long t = rs.getLong(1);
                    return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(t);
                }
                return OptionalLong.empty();
            }
        } catch (SQLException e) {
            throw fail("read the topic of session " + sessionId, e);
        }
    }

    /** The session's host and project directory (either may be null), if the session exists. */
    public synchronized Optional<String[]> sessionOrigin(String sessionId) {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT host, project_dir FROM sessions WHERE id=?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new String[] {rs.getString(1), rs.getString(2)}) : Optional.empty();
            }
        } catch (SQLException e) {
            throw fail("read session " + sessionId, e);
        }
    }

    /**
     * Records the intent to create a topic (ledger state CREATING) before the Telegram call, so that a crash
     * during the call is visible on the next start ({@link #abandonInterruptedTopicCreations()}).
     *
     * @return the ledger id
     */
    public synchronized long beginTopic(String sessionId, long chatId, String name) {
        String now = now();
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO topics(session_id, chat_id, name, state, created_at, updated_at)"
                        + " VALUES(?,?,?,'CREATING',?,?)", Statement.RETURN_GENERATED_KEYS)) {
            ps.setString(1, sessionId);
            ps.setLong(2, chatId);
            ps.setString(3, name);
            ps.setString(4, now);
            ps.setString(5, now);
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                return keys.getLong(1);
            }
        } catch (SQLException e) {
            throw fail("record topic creation for session " + sessionId, e);
        }
    }

    /** Records the created topic in the ledger and as the session's topic, in one transaction. */
    public synchronized void completeTopic(long ledgerId, String sessionId, long threadId) {
        String now = now();
        inTransaction("record topic " + threadId + " of session " + sessionId, () -> {
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE topics SET thread_id=?, state='ACTIVE', updated_at=? WHERE id=?")) {
                ps.setLong(1, threadId);
                ps.setString(2, now);
                ps.setLong(3, ledgerId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE sessions SET thread_id=?, updated_at=? WHERE id=?")) {
                ps.setLong(1, threadId);
                ps.setString(2, now);
                ps.setString(3, sessionId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** Marks a failed creation attempt (Telegram refused; nothing was created). */
    public synchronized void failTopic(long ledgerId, String reason) {
        try (PreparedStatement ps = connection.prepareStatement(
                "UPDATE topics SET state='FAILED', name=name || ' [' || ? || ']', updated_at=? WHERE id=?")) {
            ps.setString(1, reason);
            ps.setString(2, now());
            ps.setLong(3, ledgerId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("record a failed topic creation", e);
        }
    }

    /**
     * Telegram said the topic is gone: the ledger entry becomes DELETED and the session has no topic until a new one
     * is recorded. A no-op if the session already moved to another topic.
     */
    public synchronized void markTopicDeleted(String sessionId, long threadId) {
        String now = now();
        inTransaction("record deleted topic " + threadId, () -> {
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE topics SET state='DELETED', updated_at=? WHERE session_id=? AND thread_id=?")) {
                ps.setString(1, now);
                ps.setString(2, sessionId);
                ps.setLong(3, threadId);
                ps.executeUpdate();
            }
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE sessions SET thread_id=NULL, updated_at=? WHERE id=? AND thread_id=?")) {
                ps.setString(1, now);
                ps.setString(2, sessionId);
                ps.setLong(3, threadId);
                ps.executeUpdate();
            }
            return null;
        });
    }

    /**
     * Ledger entries left in CREATING by a crash during createForumTopic become ABANDONED. Telegram may have created
     * such a topic; it has no message and so is invisible in clients.
     *
     * @return the session ids concerned
     */
    public synchronized List<String> abandonInterruptedTopicCreations() {
        List<String> sessions = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT session_id FROM topics WHERE state='CREATING'")) {
            while (rs.next()) {
                sessions.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw fail("scan the topic ledger", e);
        }
        try (PreparedStatement ps = connection.prepareStatement(
                "UPDATE topics SET state='ABANDONED', updated_at=? WHERE state='CREATING'")) {
            ps.setString(1, now());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("update the topic ledger", e);
        }
        return sessions;
    }

    /** A ledger entry. */
    public record TopicRecord(long id, String sessionId, long chatId, Long threadId, String name, String state) {
    }

    /** The whole topics ledger, oldest first. */
    public synchronized List<TopicRecord> topics() {
        List<TopicRecord> out = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT id, session_id, chat_id, thread_id, name, state FROM topics ORDER BY id")) {
            while (rs.next()) {
                long t = rs.getLong(4);
                Long thread = rs.wasNull() ? null : t;
                out.add(new TopicRecord(rs.getLong(1), rs.getString(2), rs.getLong(3), thread, rs.getString(5),
                        rs.getString(6)));
            }
        } catch (SQLException e) {
            throw fail("read the topic ledger", e);
        }
        return out;
    }

    /** Up to {@code limit} undelivered rows of the session, oldest first. */
    public synchronized List<OutboxEntry> pending(String sessionId, int limit) {
        List<OutboxEntry> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT id, session_id, chat_id, kind, html, plain, approval_id FROM outbox"
                        + " WHERE session_id=? AND state=0 ORDER BY id LIMIT ?")) {
            ps.setString(1, sessionId);
            ps.setInt(2, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new OutboxEntry(rs.getLong(1), rs.getString(2), rs.getLong(3),
                            OutboxEntry.Kind.valueOf(rs.getString(4)), rs.getString(5), rs.getString(6),
                            rs.getString(7)));
                }
            }
        } catch (SQLException e) {
            throw fail("read the outbox of session " + sessionId, e);
        }
        return out;
    }

    /** Sessions of {@code chatId} with undelivered rows, in the order of their oldest undelivered row. */
    public synchronized List<String> sessionsWithPending(long chatId) {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT session_id, MIN(id) AS first FROM outbox WHERE chat_id=? AND state=0"
                        + " GROUP BY session_id ORDER BY first")) {
            ps.setLong(1, chatId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        } catch (SQLException e) {
            throw fail("scan the outbox", e);
        }
        return out;
    }

    /** Marks rows delivered as Telegram message {@code messageId}. */
    public synchronized void markDelivered(List<Long> ids, long messageId) {
        setState(ids, DELIVERED, messageId, null);
    }

    /** Marks rows that Telegram refused for good (not for load), with the reason. */
    public synchronized void markFailed(List<Long> ids, String reason) {
        setState(ids, FAILED, null, reason);
    }

    private void setState(List<Long> ids, int state, Long messageId, String error) {
        String now = now();
        inTransaction("update " + ids.size() + " outbox rows", () -> {
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE outbox SET state=?, delivered_at=?, message_id=?, error=? WHERE id=?")) {
                for (long id : ids) {
                    ps.setInt(1, state);
                    ps.setString(2, now);
                    if (messageId == null) {
                        ps.setNull(3, java.sql.Types.INTEGER);
                    } else {
                        ps.setLong(3, messageId);
                    }
                    ps.setString(4, error);
                    ps.setLong(5, id);
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Outbox row counts: {@code [pending, delivered, failed]}. */
    public synchronized long[] outboxCounts() {
        long[] counts = new long[3];
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT state, COUNT(*) FROM outbox GROUP BY state")) {
            while (rs.next()) {
                counts[rs.getInt(1)] = rs.getLong(2);
            }
        } catch (SQLException e) {
            throw fail("count the outbox", e);
        }
        return counts;
    }

    /** A persisted approval. */
    public record ApprovalRecord(String id, String sessionId, String tool, String state, String decidedBy,
                                 String decidedAt, Long threadId, Long messageId) {
        public boolean pending() {
            return "PENDING".equals(state);
        }
    }

    public synchronized Optional<ApprovalRecord> approval(String approvalId) {
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT id, session_id, tool, state, decided_by, decided_at, thread_id, message_id"
                        + " FROM approvals WHERE id=?")) {
            ps.setString(1, approvalId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                long t = rs.getLong(7);
                Long thread = rs.wasNull() ? null : t;
                long m = rs.getLong(8);
                Long message = rs.wasNull() ? null : m;
                return Optional.of(new ApprovalRecord(rs.getString(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), thread, message));
            }
        } catch (SQLException e) {
            throw fail("read approval " + approvalId, e);
        }
    }

    /**
     * Resolves a pending approval, exactly once: the first call for an approval wins and returns {@code true}; every
     * later call returns {@code false} and changes nothing. {@link Decision#ALLOW_SESSION} also marks the session
     * as auto-allowed, in the same transaction.
     */
    public synchronized boolean resolveApproval(String approvalId, Decision decision, String decidedBy,
                                                Instant at) {
        return inTransaction("resolve approval " + approvalId, () -> {
            String session = null;
            try (PreparedStatement ps = connection.prepareStatement(
                    "UPDATE approvals SET state=?, decided_by=?, decided_at=? WHERE id=? AND state='PENDING'"
                            + " RETURNING session_id")) {
                ps.setString(1, decision.name());
                ps.setString(2, decidedBy);
                ps.setString(3, at.toString());
                ps.setString(4, approvalId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        session = rs.getString(1);
                    }
                }
            }
            if (session == null) {
                return false;
            }
            if (decision == Decision.ALLOW_SESSION) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "UPDATE sessions SET auto_allow=1 WHERE id=?")) {
                    ps.setString(1, session);
                    ps.executeUpdate();
                }
            }
            return true;
        });
    }

    /** Ids of approvals still pending (e.g. left over from before a restart). */
    public synchronized List<String> pendingApprovals() {
        List<String> out = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM approvals WHERE state='PENDING' ORDER BY created_at")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        } catch (SQLException e) {
            throw fail("scan pending approvals", e);
        }
        return out;
    }

    /** The plain text of the approval's request, as posted. */
    public synchronized Optional<String> approvalText(String approvalId) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT request FROM approvals WHERE id=?")) {
            ps.setString(1, approvalId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw fail("read approval " + approvalId, e);
        }
    }

    /** Records where the approval's message is, so that the decision can be shown on it. */
    public synchronized void setApprovalMessage(String approvalId, long threadId, long messageId) {
        try (PreparedStatement ps = connection.prepareStatement(
                "UPDATE approvals SET thread_id=?, message_id=? WHERE id=?")) {
            ps.setLong(1, threadId);
            ps.setLong(2, messageId);
            ps.setString(3, approvalId);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("record the message of approval " + approvalId, e);
        }
    }

    /** Whether the session was allowed for its rest ({@link Decision#ALLOW_SESSION}). */
    public synchronized boolean autoAllowed(String sessionId) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT auto_allow FROM sessions WHERE id=?")) {
            ps.setString(1, sessionId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) == 1;
            }
        } catch (SQLException e) {
            throw fail("read session " + sessionId, e);
        }
    }

    /** A small persisted value (e.g. the getUpdates offset). */
    public synchronized Optional<String> value(String key) {
        try (PreparedStatement ps = connection.prepareStatement("SELECT value FROM kv WHERE key=?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw fail("read " + key, e);
        }
    }

    public synchronized void putValue(String key, String value) {
        try (PreparedStatement ps = connection.prepareStatement(
                "INSERT INTO kv(key, value) VALUES(?,?) ON CONFLICT(key) DO UPDATE SET value=excluded.value")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw fail("write " + key, e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            throw fail("close", e);
        }
    }

    private String now() {
        return Instant.now(clock).toString();
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    private <T> T inTransaction(String what, SqlWork<T> work) {
        try {
            connection.setAutoCommit(false);
            try {
                T result = work.run();
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw fail(what, e);
        }
    }

    private StoreException fail(String what, SQLException e) {
        return new StoreException("bridge database " + file + ": cannot " + what + ": " + e.getMessage(), e);
    }
}
