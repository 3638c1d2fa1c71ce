package dev.interlock.internal.guard;

import dev.interlock.api.guard.SequenceGapException;
import dev.interlock.api.guard.Sequencer;
import dev.interlock.api.guard.Sequencer.GapPolicy;
import dev.interlock.api.guard.Sequencer.Offer;
import dev.interlock.api.guard.Sequencer.Options;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SequencerTest {

    /** Records every callback as a string, in order. */
    static final class Recorder implements Sequencer.Receiver<String, String> {
        final List<String> events = new CopyOnWriteArrayList<>();
        volatile boolean throwOnDeliver;

        @Override
        public void deliver(String key, long sequence, String message) {
            events.add(key + ":" + sequence + "=" + message);
            if (throwOnDeliver) {
                throw new IllegalStateException("receiver bug");
            }
        }

        @Override
        public void skipped(String key, long fromInclusive, long toExclusive) {
            events.add(key + ":skipped[" + fromInclusive + "," + toExclusive + ")");
        }

        @Override
        public void failed(String key, SequenceGapException cause) {
            events.add(key + ":failed(" + cause.expected() + "," + cause.nextAvailable() + ")");
        }
    }

    @Test
    void offer_outOfOrder_deliversInOrderOnScheduler() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("events", s, Options.defaults(), r);
        assertThat(seq.offer("k", 2, "c")).isEqualTo(Offer.ACCEPTED);
        assertThat(seq.offer("k", 1, "b")).isEqualTo(Offer.ACCEPTED);
        assertThat(seq.buffered()).isEqualTo(2);
        assertThat(seq.offer("k", 0, "a")).isEqualTo(Offer.ACCEPTED);
        assertThat(r.events).isEmpty(); // deliveries run on the scheduler
        s.runUntilIdle();
        assertThat(r.events).containsExactly("k:0=a", "k:1=b", "k:2=c");
        assertThat(seq.nextExpected("k")).isEqualTo(3);
        assertThat(seq.buffered()).isZero();
        assertThat(s.pendingTimers()).isZero();
    }

    @Test
    void offer_duplicates_dropped() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("dups", s, Options.defaults(), r);
        seq.offer("k", 0, "a");
        assertThat(seq.offer("k", 0, "a again")).isEqualTo(Offer.DUPLICATE);
        seq.offer("k", 3, "d");
        assertThat(seq.offer("k", 3, "d again")).isEqualTo(Offer.DUPLICATE);
        s.runUntilIdle();
        assertThat(seq.offer("k", 0, "late")).isEqualTo(Offer.DUPLICATE);
        assertThat(r.events).containsExactly("k:0=a");
    }

    @Test
    void offer_beyondBufferBound_rejectedFull() {
        ManualScheduler s = new ManualScheduler();
        Sequencer<String, String> seq = new InJvmSequencer<>("full", s,
                Options.defaults().withMaxBufferedPerKey(2), new Recorder());
        assertThat(seq.offer("k", 5, "x")).isEqualTo(Offer.ACCEPTED);
        assertThat(seq.offer("k", 6, "y")).isEqualTo(Offer.ACCEPTED);
        assertThat(seq.offer("k", 7, "z")).isEqualTo(Offer.REJECTED_FULL);
        assertThat(seq.offer("other", 7, "z")).isEqualTo(Offer.ACCEPTED);
    }

    @Test
    void offer_inOrderFasterThanReceiver_rejectedFullUntilDelivered() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("backpressure", s,
                Options.defaults().withMaxBufferedPerKey(2), r);
        assertThat(seq.offer("k", 0, "a")).isEqualTo(Offer.ACCEPTED);
        assertThat(seq.offer("k", 1, "b")).isEqualTo(Offer.ACCEPTED);
        assertThat(seq.offer("k", 2, "c")).isEqualTo(Offer.REJECTED_FULL);
        s.runUntilIdle();
        assertThat(seq.offer("k", 2, "c")).isEqualTo(Offer.ACCEPTED);
        s.runUntilIdle();
        assertThat(r.events).containsExactly("k:0=a", "k:1=b", "k:2=c");
    }

    @Test
    void gap_skipPolicy_deliversMarkerAfterMaxGapWaitAndLateArrivalsAreDuplicates() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("skip", s,
                Options.defaults().withMaxGapWait(Duration.ofSeconds(2)).withGapPolicy(GapPolicy.SKIP), r);
        seq.offer("k", 0, "a");
        seq.offer("k", 3, "d");
        seq.offer("k", 4, "e");
        s.advance(Duration.ofMillis(1999));
        assertThat(r.events).containsExactly("k:0=a");
        s.advance(Duration.ofMillis(1));
        assertThat(r.events).containsExactly("k:0=a", "k:skipped[1,3)", "k:3=d", "k:4=e");
        assertThat(seq.offer("k", 2, "late")).isEqualTo(Offer.DUPLICATE);
        assertThat(seq.offer("k", 5, "f")).isEqualTo(Offer.ACCEPTED);
        s.runUntilIdle();
        assertThat(r.events).endsWith("k:5=f");
    }

    @Test
    void gap_filledInTime_noMarker() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("fill", s,
                Options.defaults().withMaxGapWait(Duration.ofSeconds(2)), r);
        seq.offer("k", 1, "b");
        s.advance(Duration.ofSeconds(1));
        seq.offer("k", 0, "a");
        s.advance(Duration.ofSeconds(5));
        assertThat(r.events).containsExactly("k:0=a", "k:1=b");
        assertThat(s.pendingTimers()).isZero();
    }

    @Test
    void gap_failPolicy_failsKeyUntilReset() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("strict", s,
                Options.defaults().withMaxGapWait(Duration.ofSeconds(1)).withGapPolicy(GapPolicy.FAIL), r);
        seq.offer("k", 0, "a");
        seq.offer("k", 2, "c");
        seq.offer("k", 3, "d");
        s.advance(Duration.ofSeconds(1));
        assertThat(r.events).containsExactly("k:0=a", "k:failed(1,2)");
        assertThat(seq.buffered()).isZero();
        assertThat(seq.offer("k", 1, "b")).isEqualTo(Offer.KEY_FAILED);
        assertThat(seq.offer("other", 0, "x")).isEqualTo(Offer.ACCEPTED);
        seq.reset("k");
        assertThat(seq.nextExpected("k")).isZero();
        assertThat(seq.offer("k", 0, "again")).isEqualTo(Offer.ACCEPTED);
        s.runUntilIdle();
        assertThat(r.events).contains("k:0=again");
    }

    @Test
    void failException_namesSequencerKeyAndNumbers() {
        ManualScheduler s = new ManualScheduler();
        List<SequenceGapException> failures = new ArrayList<>();
        Sequencer<String, String> seq = new InJvmSequencer<>("ledger", s,
                Options.defaults().withMaxGapWait(Duration.ofSeconds(1)).withGapPolicy(GapPolicy.FAIL),
                new Sequencer.Receiver<>() {
                    @Override
                    public void deliver(String key, long sequence, String message) {
                    }

                    @Override
                    public void failed(String key, SequenceGapException cause) {
                        failures.add(cause);
                    }
                });
        seq.offer("acct-9", 4, "x");
        s.advance(Duration.ofSeconds(1));
        assertThat(failures).singleElement().satisfies(e -> assertThat(e).hasMessageContaining("ledger")
                .hasMessageContaining("acct-9").hasMessageContaining("sequence 0").hasMessageContaining("4"));
    }

    @Test
    void receiverThrows_loggedAndDeliveryGoesOn() {
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(InJvmSequencer.class.getName());
        List<java.util.logging.LogRecord> records = new CopyOnWriteArrayList<>();
        java.util.logging.Handler handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(handler);
        boolean parentHandlers = jul.getUseParentHandlers();
        jul.setUseParentHandlers(false);
        try {
            ManualScheduler s = new ManualScheduler();
            Recorder r = new Recorder();
            r.throwOnDeliver = true;
            Sequencer<String, String> seq = new InJvmSequencer<>("throwing", s, Options.defaults(), r);
            seq.offer("k", 0, "a");
            seq.offer("k", 1, "b");
            s.runUntilIdle();
            assertThat(r.events).containsExactly("k:0=a", "k:1=b");
            assertThat(records).hasSize(2).allSatisfy(rec -> {
                assertThat(rec.getLevel()).isEqualTo(java.util.logging.Level.WARNING);
                assertThat(rec.getMessage()).contains("throwing").contains("'k'");
                assertThat(rec.getThrown()).hasMessage("receiver bug");
            });
        } finally {
            jul.removeHandler(handler);
            jul.setUseParentHandlers(parentHandlers);
        }
    }

    @Test
    void reset_forgetsKeyAndFreesIt() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        InJvmSequencer<String, String> seq = new InJvmSequencer<>("reset", s, Options.defaults().withFirstSequence(10), r);
        seq.offer("k", 10, "a");
        seq.offer("k", 12, "c");
        s.runUntilIdle();
        seq.reset("k");
        assertThat(seq.buffered()).isZero();
        assertThat(seq.activeKeys()).isZero();
        assertThat(s.pendingTimers()).isZero();
        assertThat(seq.nextExpected("k")).isEqualTo(10);
        assertThat(seq.offer("k", 10, "a2")).isEqualTo(Offer.ACCEPTED);
        s.runUntilIdle();
        assertThat(r.events).containsExactly("k:10=a", "k:10=a2");
    }

    @Test
    void reset_whileDelivering_neverDeliversOneKeyConcurrentlyAndFreesTheKeyAfterwards() {
        ManualScheduler s = new ManualScheduler();
        List<String> events = new ArrayList<>();
        java.util.concurrent.atomic.AtomicReference<InJvmSequencer<String, String>> holder =
                new java.util.concurrent.atomic.AtomicReference<>();
        holder.set(new InJvmSequencer<>("reset-drain", s, Options.defaults(), (key, sequence, message) -> {
            events.add(sequence + "=" + message);
            if (sequence == 0) {
                holder.get().reset(key); // from inside a delivery: later accepted messages are discarded
            }
        }));
        InJvmSequencer<String, String> seq = holder.get();
        seq.offer("k", 0, "a");
        seq.offer("k", 1, "b");
        s.runUntilIdle();
        assertThat(events).containsExactly("0=a");
        assertThat(seq.activeKeys()).isZero();
        assertThat(seq.offer("k", 0, "again")).isEqualTo(Offer.ACCEPTED);
        s.runUntilIdle();
        assertThat(events).containsExactly("0=a", "0=again");
    }

    @Test
    void close_discardsAndRejects() {
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("closing", s, Options.defaults(), r);
        seq.offer("k", 3, "x");
        seq.close();
        assertThat(seq.buffered()).isZero();
        assertThat(s.pendingTimers()).isZero();
        assertThat(seq.offer("k", 0, "a")).isEqualTo(Offer.CLOSED);
        s.advance(Duration.ofMinutes(1));
        assertThat(r.events).isEmpty();
    }

    @Test
    void randomPermutations_manyKeys_eachDeliveredOnceInOrder() {
        Random random = new Random(42);
        ManualScheduler s = new ManualScheduler();
        Recorder r = new Recorder();
        Sequencer<String, String> seq = new InJvmSequencer<>("perm", s, Options.defaults(), r);
        List<long[]> offers = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            for (int i = 0; i < 50; i++) {
                offers.add(new long[] {k, i});
                if (random.nextInt(4) == 0) {
                    offers.add(new long[] {k, i}); // duplicates
                }
            }
        }
        Collections.shuffle(offers, random);
        for (long[] o : offers) {
            seq.offer("k" + o[0], o[1], "m" + o[1]);
            if (random.nextInt(10) == 0) {
                s.runUntilIdle();
            }
        }
        s.runUntilIdle();
        for (int k = 0; k < 20; k++) {
            String prefix = "k" + k + ":";
            List<String> mine = r.events.stream().filter(e -> e.startsWith(prefix)).toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                expected.add(prefix + i + "=m" + i);
            }
            assertThat(mine).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void options_validated() {
        assertThatThrownBy(() -> Options.defaults().withMaxBufferedPerKey(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.defaults().withMaxGapWait(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
