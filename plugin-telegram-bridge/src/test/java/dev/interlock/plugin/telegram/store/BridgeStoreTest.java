package dev.interlock.plugin.telegram.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BridgeStoreTest {

    @TempDir
    Path dir;

    private final Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private BridgeStore open() {
        return BridgeStore.open(dir.resolve("sub").resolve("bridge.db"), clock, false);
    }

    @Test
    void open_freshFile_migratedToLatestOwnerOnlyWal() throws Exception {
        try (BridgeStore store = open()) {
            assertThat(store.schemaVersion()).isEqualTo(BridgeStore.SCHEMA_VERSION).isEqualTo(2);
            Path file = dir.resolve("sub").resolve("bridge.db");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                    .isEqualTo("rwx------");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
                 Statement s = c.createStatement()) {
                var rs = s.executeQuery("PRAGMA journal_mode");
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("wal");
            }
        }
    }

    @Test
    void open_versionOneDatabase_migratedKeepingData() throws Exception {
        Path file = dir.resolve("old.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE sessions (id TEXT PRIMARY KEY, chat_id INTEGER NOT NULL, thread_id INTEGER,"
                    + " host TEXT, project_dir TEXT, status TEXT NOT NULL, created_at TEXT NOT NULL,"
                    + " updated_at TEXT NOT NULL)");
            s.execute("CREATE TABLE topics (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL,"
                    + " chat_id INTEGER NOT NULL, thread_id INTEGER, name TEXT NOT NULL, state TEXT NOT NULL,"
                    + " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)");
            s.execute("CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, session_id TEXT NOT NULL,"
                    + " chat_id INTEGER NOT NULL, kind TEXT NOT NULL, html TEXT, plain TEXT NOT NULL, approval_id TEXT,"
                    + " state INTEGER NOT NULL DEFAULT 0, received_at TEXT NOT NULL, delivered_at TEXT,"
                    + " message_id INTEGER, error TEXT)");
            s.execute("CREATE TABLE approvals (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, tool TEXT, request TEXT,"
                    + " state TEXT NOT NULL, decided_by TEXT, decided_at TEXT, thread_id INTEGER, message_id INTEGER,"
                    + " created_at TEXT NOT NULL)");
            s.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            s.execute("INSERT INTO sessions VALUES('old', 1, 77, 'h', '/p', 'active', 'x', 'x')");
            s.execute("PRAGMA user_version=1");
        }
        try (BridgeStore store = BridgeStore.open(file, clock, false)) {
            assertThat(store.schemaVersion()).isEqualTo(2);
            assertThat(store.threadFor("old")).hasValue(77);
            assertThat(store.autoAllowed("old")).isFalse();
        }
    }

    @Test
    void open_newerSchema_refusedWithFix() throws Exception {
        Path file = dir.resolve("new.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version=99");
        }
        assertThatThrownBy(() -> BridgeStore.open(file, clock, false)).isInstanceOf(StoreException.class)
                .hasMessageContaining("schema version 99, newer than this build understands (2)")
                .hasMessageContaining("Fix:");
    }

    @Test
    void accept_newSession_headerFirstOnceThenRowsInOrder() {
        try (BridgeStore store = open()) {
            List<NewRow> header = List.of(NewRow.text(null, "header"));
            BridgeStore.Accepted a = store.accept(1, "s", "h", "/p", header,
                    List.of(NewRow.text(null, "one"), NewRow.text(null, "two")), null, null, null);
            BridgeStore.Accepted b = store.accept(1, "s", "h", "/p", header, List.of(NewRow.text(null, "three")),
                    null, null, null);
            assertThat(a.newSession()).isTrue();
            assertThat(b.newSession()).isFalse();
            assertThat(store.pending("s", 10)).extracting(OutboxEntry::plain)
                    .containsExactly("header", "one", "two", "three");
            assertThat(store.sessionsWithPending(1)).containsExactly("s");
            store.markDelivered(store.pending("s", 2).stream().map(OutboxEntry::id).toList(), 5);
            assertThat(store.pending("s", 10)).extracting(OutboxEntry::plain).containsExactly("two", "three");
            assertThat(store.outboxCounts()).containsExactly(2, 2, 0);
        }
    }

    @Test
    void topicLedger_beginCompleteDeleteAbandon() {
        try (BridgeStore store = open()) {
            store.accept(1, "s", null, null, List.of(), List.of(NewRow.text(null, "x")), null, null, null);
            long ledger = store.beginTopic("s", 1, "name");
            assertThat(store.threadFor("s")).isEmpty();
            store.completeTopic(ledger, "s", 42);
            assertThat(store.threadFor("s")).hasValue(42);
            store.markTopicDeleted("s", 42);
            assertThat(store.threadFor("s")).isEmpty();
            store.beginTopic("s", 1, "name");
            assertThat(store.abandonInterruptedTopicCreations()).containsExactly("s");
            assertThat(store.topics()).extracting(BridgeStore.TopicRecord::state).containsExactly("DELETED", "ABANDONED");
        }
    }

    @Test
    void resolveApproval_concurrentDecisions_exactlyOneWins() throws Exception {
        try (BridgeStore store = open()) {
            store.accept(1, "s", null, null, List.of(), List.of(new NewRow(OutboxEntry.Kind.APPROVAL, null, "ask", "ap1")),
                    "ap1", "Bash", "ask");
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
                for (int i = 0; i < 8; i++) {
                    Decision d = i % 2 == 0 ? Decision.ALLOW : Decision.DENY;
                    String who = "user" + i;
                    results.add(pool.submit(() -> {
                        go.await();
                        return store.resolveApproval("ap1", d, who, Instant.EPOCH);
                    }));
                }
                go.countDown();
                int wins = 0;
                for (Future<Boolean> f : results) {
                    wins += f.get() ? 1 : 0;
                }
                assertThat(wins).isEqualTo(1);
            }
            assertThat(store.approval("ap1").orElseThrow().pending()).isFalse();
            assertThat(store.resolveApproval("ap1", Decision.EXPIRED, "timeout", Instant.EPOCH)).isFalse();
        }
    }

    @Test
    void resolveApproval_allowForSession_marksSessionAutoAllowed() {
        try (BridgeStore store = open()) {
            store.accept(1, "s", null, null, List.of(), List.of(new NewRow(OutboxEntry.Kind.APPROVAL, null, "ask", "ap")),
                    "ap", "Bash", "ask");
            assertThat(store.autoAllowed("s")).isFalse();
            assertThat(store.resolveApproval("ap", Decision.ALLOW_SESSION, "@a", Instant.EPOCH)).isTrue();
            assertThat(store.autoAllowed("s")).isTrue();
        }
    }

    @Test
    void reopen_afterClose_dataKept() {
        try (BridgeStore store = open()) {
            store.accept(1, "s", null, null, List.of(), List.of(NewRow.text(null, "kept")), null, null, null);
            store.putValue("k", "v");
        }
        try (BridgeStore store = open()) {
            assertThat(store.pending("s", 5)).extracting(OutboxEntry::plain).containsExactly("kept");
            assertThat(store.value("k")).hasValue("v");
        }
    }
}
