package dev.interlock.plugin.voice;

import dev.interlock.api.guard.ConcurrencyGuard;
import dev.interlock.testkit.DeterministicScheduler;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session wired to an in-memory "server" on a deterministic scheduler: every connection attempt creates a new
 * {@link InMemoryChannel}; the server side records the {@code event_id} of every message it receives, across all
 * connections, in arrival order. {@link #sent} records what the client queued, in order.
 */
final class InMemoryRig {

    /** How a new channel is handed over. */
    enum OpenMode {
        /** The peer opens the channel before the connector returns it (attached while already OPEN). */
        ALREADY_OPEN,
        /** The peer opens it later, after a random delay. */
        OPENS_LATER,
        /** Either, chosen per connection from the seed. */
        MIXED
    }

    final DeterministicScheduler s;
    final VoiceSession session;
    final List<String> sent = new ArrayList<>();
    final List<String> received = new ArrayList<>();
    final List<InMemoryChannel> channels = new ArrayList<>();
    final List<SessionState> states = new ArrayList<>();
    private final OpenMode mode;
    private Consumer<InMemoryChannel> onNewChannel = c -> { };
    int attempts;

    InMemoryRig(DeterministicScheduler s, OpenMode mode, ReconnectPolicy policy) {
        this.s = s;
        this.mode = mode;
        this.session = VoiceSession.builder(this::connect)
                .scheduler(s)
                .guard(ConcurrencyGuard.inJvm(s))
                .reconnect(policy)
                .random(s.random())
                .name("rig-" + s.seed())
                .build();
        session.addListener(new VoiceSession.Listener() {
            @Override
            public void onStateChanged(SessionState from, SessionState to) {
                states.add(to);
            }
        });
    }

    static ReconnectPolicy fastPolicy() {
        return new ReconnectPolicy(Duration.ofMillis(10), Duration.ofMillis(200), 50, 0.5);
    }

    void onNewChannel(Consumer<InMemoryChannel> hook) {
        this.onNewChannel = hook;
    }

    private CompletableFuture<EventChannel> connect(Credentials credentials) {
        attempts++;
        InMemoryChannel ch = InMemoryChannel.create(s, 1 << 20, "rig#" + attempts);
        ch.peer().onMessage(text -> received.add(eventIdOf(text)));
        channels.add(ch);
        onNewChannel.accept(ch);
        boolean openFirst = switch (mode) {
            case ALREADY_OPEN -> true;
            case OPENS_LATER -> false;
            case MIXED -> s.random().nextBoolean();
        };
        if (openFirst) {
            ch.peer().open();
        } else {
            s.schedule(ch.peer()::open, Duration.ofMillis(s.random().nextInt(0, 5)));
        }
        // Answer sometimes at once, sometimes from a later task: both orders of "attach" vs. everything else.
        if (s.random().nextBoolean()) {
            return CompletableFuture.completedFuture(ch);
        }
        CompletableFuture<EventChannel> later = new CompletableFuture<>();
        s.execute(() -> later.complete(ch));
        return later;
    }

    /** Queues {@code n} control events from the test thread, recording their ids. */
    void sendControl(int n) {
        for (int i = 0; i < n; i++) {
            sent.add(session.send(i % 3 == 0 ? ClientEvent.responseCreate() : ClientEvent.userText("m" + sent.size())));
        }
    }

    /** Schedules {@code n} sends as tasks, so they interleave with deliveries and lane operations. */
    void sendControlAsTasks(int n) {
        for (int i = 0; i < n; i++) {
            s.execute(() -> sent.add(session.send(ClientEvent.inputAudioCommit())));
        }
    }

    /** The invariant of seed 003: every event received exactly once, in the order sent. */
    void assertExactlyOnceInOrder() {
        assertThat(received).as("server received (seed %d)", s.seed()).containsExactlyElementsOf(sent);
        assertThat(session.unsentEvents()).isEmpty();
        assertThat(session.stats().sent()).isEqualTo(sent.size());
    }

    static String eventIdOf(String json) {
        int k = json.indexOf("\"event_id\":\"");
        if (k < 0) {
            throw new AssertionError("client message without event_id: " + json);
        }
        int start = k + 12;
        return json.substring(start, json.indexOf('"', start));
    }
}
