package dev.interlock.plugin.voice;

import dev.interlock.testkit.RaceHarness;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seed 003's four test cases, each explored over many seeds on the deterministic scheduler. The invariant for every
 * seed: the server receives every event exactly once, in the order sent.
 *
 * <p>Seed counts: {@code -Dvoice.seeds=N} (default 10,000) and {@code -Dvoice.cycleSeeds=N} for the 1,000-cycle case
 * (default 10,000). Replay one seed with {@code -Dinterlock.seed=S}.
 */
class VoiceSessionRaceTest {

    static final int SEEDS = Integer.getInteger("voice.seeds", 10_000);
    static final int CYCLE_SEEDS = Integer.getInteger("voice.cycleSeeds", 10_000);
    static final int CYCLES = Integer.getInteger("voice.cycles", 1_000);

    @Test
    void seed003_channelAlreadyOpenWhenAttached_everyEventOnceInOrder() {
        RaceHarness.explore("voice: channel already open when attached", 0, SEEDS, s -> {
            InMemoryRig rig = new InMemoryRig(s, InMemoryRig.OpenMode.ALREADY_OPEN, InMemoryRig.fastPolicy());
            rig.sendControl(s.random().nextInt(0, 6));
            rig.session.connect();
            rig.sendControlAsTasks(s.random().nextInt(0, 6));
            s.runUntilIdle();
            rig.sendControl(s.random().nextInt(0, 3));
            s.runUntilIdle();
            assertThat(rig.session.state()).isEqualTo(SessionState.OPEN);
            assertThat(rig.attempts).isEqualTo(1);
            rig.assertExactlyOnceInOrder();
        }).assertClean();
    }

    @Test
    void seed003_channelOpensLater_everyEventOnceInOrder() {
        RaceHarness.explore("voice: channel opens later", 0, SEEDS, s -> {
            InMemoryRig rig = new InMemoryRig(s, InMemoryRig.OpenMode.OPENS_LATER, InMemoryRig.fastPolicy());
            rig.sendControl(s.random().nextInt(0, 6));
            rig.session.connect();
            rig.sendControlAsTasks(s.random().nextInt(0, 6));
            s.runUntilIdle();
            rig.sendControl(s.random().nextInt(0, 3));
            s.runUntilIdle();
            assertThat(rig.session.state()).isEqualTo(SessionState.OPEN);
            rig.assertExactlyOnceInOrder();
        }).assertClean();
    }

    @Test
    void seed003_channelClosesDuringFlush_unsentEventsKeptAndSentOnceOnNextConnection() {
        RaceHarness.explore("voice: channel closes during a flush", 0, SEEDS, s -> {
            InMemoryRig rig = new InMemoryRig(s, InMemoryRig.OpenMode.MIXED, InMemoryRig.fastPolicy());
            int drops = s.random().nextInt(1, 4);
            int[] dropped = {0};
            rig.onNewChannel(ch -> {
                if (dropped[0] >= drops) {
                    return;
                }
                dropped[0]++;
                // Break this connection at a random point of its flush: a graceful close from the server, or a send
                // that fails (the seed's "send() throws") after a random number of messages.
                // rig.sent holds at least the 5..19 events queued before connect(): this connection gets that far.
                int after = s.random().nextInt(0, Math.min(8, rig.sent.size()));
                boolean failSend = s.random().nextBoolean();
                int[] seen = {0};
                if (failSend) {
                    ch.peer().failSendAfter(after);
                } else {
                    ch.peer().onMessage(text -> {
                        rig.received.add(InMemoryRig.eventIdOf(text));
                        if (++seen[0] == after) {
                            ch.peer().close(1012, "server restart");
                        }
                    });
                    if (after == 0) {
                        s.execute(() -> ch.peer().close(1012, "server restart"));
                    }
                }
            });
            rig.sendControl(s.random().nextInt(5, 20));
            rig.session.connect();
            rig.sendControlAsTasks(s.random().nextInt(0, 6));
            s.runUntilIdle();
            // After the last drop a connection stays up, so the session must end OPEN with everything delivered.
            assertThat(rig.session.state()).isEqualTo(SessionState.OPEN);
            assertThat(rig.attempts).as("the first connection was broken mid-flush").isGreaterThanOrEqualTo(2);
            rig.assertExactlyOnceInOrder();
        }).assertClean();
    }

    @Test
    void seed003_rapidConnectDisconnectCycles_everyEventOnceInOrder() {
        RaceHarness.explore("voice: rapid connect/disconnect (" + CYCLES + " cycles)", 0, CYCLE_SEEDS, s -> {
            InMemoryRig rig = new InMemoryRig(s, InMemoryRig.OpenMode.MIXED, InMemoryRig.fastPolicy());
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                rig.session.connect();
                rig.sendControl(s.random().nextInt(0, 3));
                // Let a random part of the connection happen: nothing, some steps, or all of it.
                int steps = s.random().nextInt(0, 12);
                for (int i = 0; i < steps && s.step(); i++) {
                    // stepping
                }
                rig.session.disconnect();
                if (s.random().nextInt(4) == 0) {
                    rig.sendControl(1);
                }
                for (int i = s.random().nextInt(0, 4); i > 0 && s.step(); i--) {
                    // stepping
                }
            }
            rig.session.connect();
            s.runUntilIdle();
            assertThat(rig.session.state()).isEqualTo(SessionState.OPEN);
            rig.assertExactlyOnceInOrder();
        }).assertClean();
    }

    @Test
    void reconnect_attemptsExhausted_failedWithEventsKept() throws Exception {
        RaceHarness.replay(7, s -> {
            InMemoryRig rig = new InMemoryRig(s, InMemoryRig.OpenMode.OPENS_LATER,
                    new ReconnectPolicy(Duration.ofMillis(100), Duration.ofSeconds(1), 3, 0.5));
            rig.onNewChannel(ch -> ch.peer().close(1013, "try again later"));
            rig.sendControl(4);
            rig.session.connect();
            s.runUntilIdle();
            assertThat(rig.session.state()).isEqualTo(SessionState.FAILED);
            assertThat(rig.attempts).isEqualTo(4);
            assertThat(rig.session.unsentEvents()).extracting(e -> e.eventId().orElseThrow())
                    .containsExactlyElementsOf(rig.sent);
            assertThat(rig.states).containsSubsequence(SessionState.CONNECTING, SessionState.RECONNECTING,
                    SessionState.FAILED);
        });
    }

    @Test
    void peerReset_inFlightEventsMayBeLost_neverDuplicatedOrReordered() {
        RaceHarness.explore("voice: abrupt reset (at-most-once for in-flight)", 0, Math.max(1, SEEDS / 10), s -> {
            InMemoryRig rig = new InMemoryRig(s, InMemoryRig.OpenMode.MIXED, InMemoryRig.fastPolicy());
            boolean[] resetDone = {false};
            rig.onNewChannel(ch -> {
                if (!resetDone[0]) {
                    resetDone[0] = true;
                    s.schedule(ch.peer()::reset, Duration.ofNanos(s.random().nextLong(0, 2_000)));
                }
            });
            rig.sendControl(s.random().nextInt(1, 15));
            rig.session.connect();
            s.runUntilIdle();
            // Subsequence of what was sent: in order, no duplicates; everything not in flight at the reset arrived.
            int i = 0;
            for (String id : rig.received) {
                while (i < rig.sent.size() && !rig.sent.get(i).equals(id)) {
                    i++;
                }
                assertThat(i).as("received %s out of order or twice (seed %d)", id, s.seed()).isLessThan(rig.sent.size());
                i++;
            }
            assertThat(rig.received).doesNotHaveDuplicates();
            assertThat(rig.session.unsentEvents()).isEmpty();
        }).assertClean();
    }

}
