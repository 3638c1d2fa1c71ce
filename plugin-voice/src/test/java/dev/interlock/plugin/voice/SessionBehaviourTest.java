package dev.interlock.plugin.voice;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.testkit.DeterministicScheduler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Policies and inbound handling of {@link VoiceSession}, on the deterministic scheduler. */
class SessionBehaviourTest {

    private final DeterministicScheduler s = new DeterministicScheduler(42);
    private final List<InMemoryChannel> channels = new ArrayList<>();
    private final List<String> serverReceived = new ArrayList<>();

    private VoiceSession.Builder builder() {
        return VoiceSession.builder(c -> {
                    InMemoryChannel ch = InMemoryChannel.create(s, 1 << 16, "t" + channels.size());
                    ch.peer().onMessage(t -> serverReceived.add(InMemoryRig.eventIdOf(t)));
                    channels.add(ch);
                    ch.peer().open();
                    return CompletableFuture.completedFuture(ch);
                })
                .scheduler(s).guard(ConcurrencyGuard.inJvm(s)).random(s.random());
    }

    @Test
    void send_controlAtHardCap_rejectedWithLimitAndNothingLost() {
        VoiceSession session = builder().outboundLimits(new OutboundLimits(3, 1 << 20, 1 << 16)).build();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(session.send(ClientEvent.responseCreate()));
        }
        assertThatThrownBy(() -> session.send(ClientEvent.responseCancel()))
                .isInstanceOf(OutboundQueueFullException.class)
                .hasMessageContaining("maxControlEvents=3")
                .hasMessageContaining("ClientEvent[response.cancel");
        session.send(ClientEvent.inputAudioAppend(new byte[10]));
        session.connect();
        s.runUntilIdle();
        assertThat(serverReceived).hasSize(4).startsWith(ids.toArray(String[]::new));
    }

    @Test
    void send_audioOverBudget_oldestAudioShedControlKept() {
        // Room for exactly three queued appends of this size (ids are "evt_" + 8 hex + "_" + one digit).
        int appendChars = ClientEvent.inputAudioAppend(new byte[60]).withEventId("evt_00000000_1").jsonLength();
        VoiceSession session = builder().outboundLimits(new OutboundLimits(100, 3L * appendChars + 2, appendChars + 2))
                .build();
        List<ClientEvent> shed = new ArrayList<>();
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onAudioShed(ClientEvent e) {
                shed.add(e);
            }
        });
        String a1 = session.send(ClientEvent.inputAudioAppend(new byte[60]));
        String c1 = session.send(ClientEvent.inputAudioCommit());
        String a2 = session.send(ClientEvent.inputAudioAppend(new byte[60]));
        String a3 = session.send(ClientEvent.inputAudioAppend(new byte[60]));
        String a4 = session.send(ClientEvent.inputAudioAppend(new byte[60]));
        assertThat(shed).extracting(e -> e.eventId().orElseThrow()).containsExactly(a1);
        assertThat(session.stats().audioShed()).isEqualTo(1);
        session.connect();
        s.runUntilIdle();
        assertThat(serverReceived).containsExactly(c1, a2, a3, a4);
    }

    @Test
    void send_tooBigOrReusedId_rejectedClearly() {
        VoiceSession session = builder().outboundLimits(new OutboundLimits(10, 1_000, 100)).build();
        assertThatThrownBy(() -> session.send(ClientEvent.inputAudioAppend(new byte[200])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxEventChars=100");
        session.send(ClientEvent.responseCreate().withEventId("mine"));
        assertThatThrownBy(() -> session.send(ClientEvent.responseCancel().withEventId("mine")))
                .hasMessageContaining("event_id 'mine' is already queued");
        session.connect();
        s.runUntilIdle();
        assertThatThrownBy(() -> session.send(ClientEvent.responseCancel().withEventId("mine")))
                .hasMessageContaining("event_id 'mine' was already sent");
        session.close();
        s.runUntilIdle();
        assertThat(session.state()).isEqualTo(SessionState.CLOSED);
        assertThatThrownBy(() -> session.send(ClientEvent.responseCreate()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is CLOSED");
    }

    @Test
    void inbound_duplicateEventIds_droppedWithBoundedMemory() {
        VoiceSession session = builder().dedupCapacity(2).build();
        List<String> got = new ArrayList<>();
        List<String> protocolErrors = new ArrayList<>();
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onServerEvent(ServerEvent event) {
                got.add(event.wireType() + "/" + event.eventId().orElse("-"));
            }

            @Override
            public void onProtocolError(String description) {
                protocolErrors.add(description);
            }
        });
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onServerEvent(ServerEvent event) {
                throw new IllegalStateException("a faulty listener");
            }
        });
        session.connect();
        s.runUntilIdle();
        InMemoryChannel.Peer peer = channels.getFirst().peer();
        for (String id : List.of("a", "b", "a", "c", "a", "a")) {
            peer.send("{\"type\":\"session.updated\",\"event_id\":\"" + id + "\"}");
        }
        peer.send("{\"type\":\"brand.new.event\"}");
        peer.send("{\"type\":\"brand.new.event\"}");
        peer.send("garbage");
        s.runUntilIdle();
        // a, b, (a dup), c evicts a, a again (evicted, so delivered), (a dup); events without id are never dups.
        assertThat(got).containsExactly("session.updated/a", "session.updated/b", "session.updated/c",
                "session.updated/a", "brand.new.event/-", "brand.new.event/-");
        assertThat(session.stats().duplicatesDropped()).isEqualTo(2);
        assertThat(protocolErrors).singleElement().asString().contains("not JSON");
    }

    @Test
    void inbound_errorEvent_correlatedToCausingClientEvent() {
        VoiceSession session = builder().build();
        List<Optional<VoiceSession.SentEvent>> causes = new ArrayList<>();
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onError(ServerEvent.Error error, Optional<VoiceSession.SentEvent> cause) {
                causes.add(cause);
            }
        });
        String id = session.send(ClientEvent.conversationItemDelete("item_404"));
        session.connect();
        s.runUntilIdle();
        channels.getFirst().peer().send("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"code\":\"item_not_found\",\"message\":\"no such item\",\"event_id\":\"" + id + "\"}}");
        channels.getFirst().peer().send("{\"type\":\"error\",\"error\":{\"message\":\"unrelated\",\"event_id\":\"zzz\"}}");
        s.runUntilIdle();
        assertThat(causes).hasSize(2);
        assertThat(causes.get(0)).hasValueSatisfying(c -> {
            assertThat(c.eventId()).isEqualTo(id);
            assertThat(c.type()).isEqualTo(ClientEventType.CONVERSATION_ITEM_DELETE);
            assertThat(c.event()).hasValueSatisfying(e -> assertThat(e.toJson()).contains("item_404"));
        });
        assertThat(causes.get(1)).isEmpty();
    }

    @Test
    void reconnect_eachAttempt_freshCredentialsAndGrowingBackoff() {
        List<Long> attemptTimes = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        int[] n = {0};
        VoiceSession session = VoiceSession.builder(c -> {
                    attemptTimes.add(s.nanoTime());
                    tokens.add(c.headers().get("Authorization"));
                    InMemoryChannel ch = InMemoryChannel.create(s, 1 << 16, "r");
                    ch.peer().close(1013, "busy");
                    return CompletableFuture.completedFuture(ch);
                })
                .scheduler(s).guard(ConcurrencyGuard.inJvm(s)).random(new SplittableRandom(1))
                .credentials(() -> CompletableFuture.completedFuture(Credentials.bearer("ek_" + ++n[0])))
                .reconnect(new ReconnectPolicy(Duration.ofSeconds(1), Duration.ofSeconds(4), 5, 0.5))
                .build();
        session.connect();
        s.runUntilIdle();
        assertThat(session.state()).isEqualTo(SessionState.FAILED);
        assertThat(tokens).containsExactly("Bearer ek_1", "Bearer ek_2", "Bearer ek_3", "Bearer ek_4", "Bearer ek_5",
                "Bearer ek_6");
        long[] expectedMaxMillis = {1_000, 2_000, 4_000, 4_000, 4_000};
        for (int i = 1; i < attemptTimes.size(); i++) {
            long gapMillis = (attemptTimes.get(i) - attemptTimes.get(i - 1)) / 1_000_000;
            assertThat(gapMillis).as("gap before retry %d", i)
                    .isBetween(expectedMaxMillis[i - 1] / 2, expectedMaxMillis[i - 1]);
        }
    }

    @Test
    void reconnectPolicy_delay_boundsAndValidation() {
        ReconnectPolicy p = new ReconnectPolicy(Duration.ofMillis(100), Duration.ofSeconds(10), 3, 0.0);
        assertThat(p.delay(1, new SplittableRandom(1))).isEqualTo(Duration.ofMillis(100));
        assertThat(p.delay(4, new SplittableRandom(1))).isEqualTo(Duration.ofMillis(800));
        assertThat(p.delay(200, new SplittableRandom(1))).isEqualTo(Duration.ofSeconds(10));
        assertThatThrownBy(() -> new ReconnectPolicy(Duration.ZERO, Duration.ofSeconds(1), 1, 0.5))
                .hasMessageContaining("initialDelay=PT0S");
        assertThatThrownBy(() -> p.delay(0, new SplittableRandom(1))).hasMessageContaining("attempt must be >= 1");
    }

    @Test
    void listener_stateChanges_reportedInOrder() {
        VoiceSession session = builder().build();
        List<String> transitions = new ArrayList<>();
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onStateChanged(SessionState from, SessionState to) {
                transitions.add(from + "->" + to);
            }
        });
        session.connect();
        s.runUntilIdle();
        channels.getFirst().peer().close(1012, "restart");
        s.runUntilIdle();
        session.disconnect();
        s.runUntilIdle();
        session.close();
        s.runUntilIdle();
        assertThat(transitions).containsExactly("IDLE->CONNECTING", "CONNECTING->OPEN", "OPEN->RECONNECTING",
                "RECONNECTING->OPEN", "OPEN->IDLE", "IDLE->CLOSED");
        assertThat(session.connect()).isCompletedExceptionally();
    }
}
