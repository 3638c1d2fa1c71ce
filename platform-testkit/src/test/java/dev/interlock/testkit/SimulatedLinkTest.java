package dev.interlock.testkit;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatedLinkTest {

    /** What one endpoint observed: chunks with their arrival times, and close notices. */
    private static final class Recorder {
        final DeterministicScheduler s;
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<byte[]> chunks = new ArrayList<>();
        final List<Long> arrivals = new ArrayList<>();
        final List<String> events = new ArrayList<>();

        Recorder(DeterministicScheduler s, Endpoint endpoint) {
            this.s = s;
            endpoint.onReceive(this::data);
            endpoint.onClose(reason -> events.add(reason.name()));
        }

        void data(byte[] chunk) {
            chunks.add(chunk);
            arrivals.add(s.nanoTime());
            bytes.writeBytes(chunk);
            events.add("data:" + chunk.length);
        }
    }

    private static byte[] randomBytes(RandomGenerator random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    @Test
    void send_randomChunkingOverManySeeds_inOrderExactlyOnceWithinChunkBounds() {
        for (long seed = 0; seed < 200; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            LinkOptions options = LinkOptions.randomized(s.random());
            SimulatedLink link = SimulatedLink.open(s, options);
            Recorder atRight = new Recorder(s, link.right());
            Recorder atLeft = new Recorder(s, link.left());
            ByteArrayOutputStream sentRight = new ByteArrayOutputStream();
            ByteArrayOutputStream sentLeft = new ByteArrayOutputStream();
            TreeSet<Integer> sendBoundaries = new TreeSet<>();
            int sends = s.random().nextInt(1, 20);
            for (int i = 0; i < sends; i++) {
                byte[] message = randomBytes(s.random(), s.random().nextInt(0, 2_000));
                Duration gap = Duration.ofNanos(s.random().nextLong(0, 3_000_000));
                s.schedule(() -> {
                    link.left().send(message);
                    sentRight.writeBytes(message);
                    sendBoundaries.add(sentRight.size());
                    byte[] reply = randomBytes(s.random(), message.length / 2);
                    link.right().send(reply);
                    sentLeft.writeBytes(reply);
                }, gap);
            }
            s.runUntilIdle();
            assertThat(atRight.bytes.toByteArray()).as("seed %d, %s", seed, options)
                    .isEqualTo(sentRight.toByteArray());
            assertThat(atLeft.bytes.toByteArray()).as("seed %d", seed).isEqualTo(sentLeft.toByteArray());
            assertThat(link.left().bytesSent()).isEqualTo(sentRight.size());
            assertThat(link.right().bytesReceived()).isEqualTo(sentRight.size());
            int offset = 0;
            for (byte[] chunk : atRight.chunks) {
                offset += chunk.length;
                assertThat(chunk.length).as("seed %d chunk size", seed).isBetween(1, options.maxChunk());
                if (chunk.length < options.minChunk()) {
                    assertThat(sendBoundaries).as("seed %d: short chunk must end a send", seed).contains(offset);
                }
            }
            assertThat(atRight.arrivals).as("delivery times never decrease").isSorted();
        }
    }

    @Test
    void send_latencyAndJitter_deliveryWithinBoundsAndNeverBeforeMinimumDelay() {
        int spread = 0;
        for (long seed = 0; seed < 100; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            LinkOptions options = LinkOptions.defaults().withLatency(Duration.ofMillis(10))
                    .withJitter(Duration.ofMillis(3)).withChunkSizes(1, 16);
            SimulatedLink link = SimulatedLink.open(s, options);
            Recorder right = new Recorder(s, link.right());
            link.left().send(new byte[500]);
            s.runUntilIdle();
            assertThat(right.bytes.size()).isEqualTo(500);
            assertThat(right.arrivals).isSorted()
                    .allSatisfy(t -> assertThat(t).isBetween(Duration.ofMillis(7).toNanos(),
                            Duration.ofMillis(13).toNanos()));
            if (new HashSet<>(right.arrivals).size() > 1) {
                spread++;
            }
        }
        assertThat(spread).as("seeds where jitter spread one burst over several instants").isGreaterThan(50);
    }

    @Test
    void send_zeroLatencyMaxChunkOne_deliversByteByByte() {
        DeterministicScheduler s = new DeterministicScheduler(1);
        SimulatedLink link = SimulatedLink.open(s, new LinkOptions(Duration.ZERO, Duration.ZERO, 1, 1));
        Recorder right = new Recorder(s, link.right());
        link.left().send("hello".getBytes());
        link.left().send("world".getBytes());
        s.runUntilIdle();
        assertThat(right.chunks).hasSize(10).allSatisfy(c -> assertThat(c).hasSize(1));
        assertThat(right.bytes.toString()).isEqualTo("helloworld");
        assertThat(s.nanoTime()).isZero();
    }

    @Test
    void send_consecutiveSends_sometimesCoalescedIntoOneChunk() {
        int coalesced = 0;
        for (long seed = 0; seed < 50; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withChunkSizes(64, 64));
            Recorder right = new Recorder(s, link.right());
            link.left().send(new byte[10]);
            link.left().send(new byte[10]);
            s.runUntilIdle();
            assertThat(right.bytes.size()).isEqualTo(20);
            if (right.chunks.size() == 1) {
                coalesced++;
            }
        }
        assertThat(coalesced).as("seeds where two sends arrived as one read").isBetween(5, 45);
    }

    @Test
    void send_sameSeed_sameChunksAtSameTimes() {
        List<String> first = chunkTrace(77);
        assertThat(chunkTrace(77)).isEqualTo(first);
        assertThat(chunkTrace(78)).isNotEqualTo(first);
    }

    private static List<String> chunkTrace(long seed) {
        DeterministicScheduler s = new DeterministicScheduler(seed);
        SimulatedLink link = SimulatedLink.open(s);
        List<String> trace = new ArrayList<>();
        link.right().onReceive(c -> trace.add(s.nanoTime() + ":" + c.length));
        link.left().send(new byte[1_000]);
        s.runUntilIdle();
        return trace;
    }

    @Test
    void send_copiesCallerArray() {
        DeterministicScheduler s = new DeterministicScheduler(2);
        SimulatedLink link = SimulatedLink.open(s);
        Recorder right = new Recorder(s, link.right());
        byte[] data = "abc".getBytes();
        link.left().send(data);
        data[0] = 'X';
        s.runUntilIdle();
        assertThat(right.bytes.toString()).isEqualTo("abc");
    }

    @Test
    void send_emptyArray_sendsNothing_nullRejected() {
        DeterministicScheduler s = new DeterministicScheduler(3);
        SimulatedLink link = SimulatedLink.open(s);
        Recorder right = new Recorder(s, link.right());
        link.left().send(new byte[0]);
        assertThat(s.runUntilIdle()).isZero();
        assertThat(right.events).isEmpty();
        assertThatThrownBy(() -> link.left().send(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void send_handlersNeverRunOnCallerStack() {
        DeterministicScheduler s = new DeterministicScheduler(4);
        SimulatedLink link = SimulatedLink.open(s, new LinkOptions(Duration.ZERO, Duration.ZERO, 1, 8));
        Recorder right = new Recorder(s, link.right());
        link.left().send(new byte[5]);
        assertThat(right.events).isEmpty();
        s.runUntilIdle();
        assertThat(right.bytes.size()).isEqualTo(5);
    }

    @Test
    void close_inFlightDataDeliveredThenClosed() {
        for (long seed = 0; seed < 100; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(s.random()));
            Recorder right = new Recorder(s, link.right());
            List<String> leftEvents = new ArrayList<>();
            link.left().onClose(reason -> leftEvents.add(reason.name()));
            byte[] data = randomBytes(s.random(), 2_000);
            link.left().send(data);
            link.left().close();
            assertThat(link.left().isOpen()).isFalse();
            assertThat(link.right().isOpen()).as("peer has not heard yet").isTrue();
            s.runUntilIdle();
            assertThat(right.bytes.toByteArray()).as("seed %d", seed).isEqualTo(data);
            assertThat(right.events.getLast()).isEqualTo("CLOSED");
            assertThat(right.events.stream().filter(e -> !e.startsWith("data:"))).containsExactly("CLOSED");
            assertThat(link.right().isOpen()).isFalse();
            assertThat(leftEvents).as("the closing side is not notified").isEmpty();
        }
    }

    @Test
    void send_afterClose_throwsIllegalStateNamingWhy() {
        DeterministicScheduler s = new DeterministicScheduler(5);
        SimulatedLink link = SimulatedLink.open(s);
        link.left().close();
        link.left().close();
        assertThatThrownBy(() -> link.left().send(new byte[3])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed by this side");
        link.right().send(new byte[3]);
        s.runUntilIdle();
        assertThatThrownBy(() -> link.right().send(new byte[3])).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed by the peer");
    }

    @Test
    void close_dataArrivingAtLocallyClosedEndpoint_discarded() {
        DeterministicScheduler s = new DeterministicScheduler(6);
        SimulatedLink link = SimulatedLink.open(s);
        Recorder left = new Recorder(s, link.left());
        link.right().send(new byte[100]);
        link.left().close();
        s.runUntilIdle();
        assertThat(left.events).isEmpty();
        assertThat(link.left().bytesReceived()).isZero();
    }

    @Test
    void reset_beforeDelivery_dropsInFlightAndPeerSeesReset() {
        for (long seed = 0; seed < 50; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withLatency(Duration.ofMillis(5)));
            Recorder right = new Recorder(s, link.right());
            link.left().send(new byte[4_000]);
            link.left().reset();
            assertThatThrownBy(() -> link.left().send(new byte[1])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reset by this side");
            s.runUntilIdle();
            assertThat(right.events).as("seed %d", seed).containsExactly("RESET");
            assertThat(link.right().isOpen()).isFalse();
            assertThatThrownBy(() -> link.right().send(new byte[1])).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("reset by the peer");
        }
    }

    @Test
    void reset_midStream_peerGetsPrefixThenReset() {
        Set<Integer> prefixLengths = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withChunkSizes(1, 8));
            Recorder right = new Recorder(s, link.right());
            byte[] data = randomBytes(s.random(), 3_000);
            Duration sendGap = Duration.ofNanos(50_000);
            for (int i = 0; i < 30; i++) {
                int from = i * 100;
                s.schedule(() -> {
                    if (link.left().isOpen()) {
                        link.left().send(java.util.Arrays.copyOfRange(data, from, from + 100));
                    }
                }, sendGap.multipliedBy(i));
            }
            s.schedule(link.left()::reset, Duration.ofNanos(s.random().nextLong(0, 3_000_000)));
            s.runUntilIdle();
            byte[] got = right.bytes.toByteArray();
            assertThat(got).as("seed %d: a prefix, in order", seed)
                    .isEqualTo(java.util.Arrays.copyOf(data, got.length));
            assertThat(right.events.getLast()).isEqualTo("RESET");
            prefixLengths.add(got.length);
        }
        assertThat(prefixLengths).as("reset at different points cuts at different points").hasSizeGreaterThan(10);
    }

    @Test
    void onReceive_registeredLate_bufferedDataDeliveredInOrderThenLiveData() {
        DeterministicScheduler s = new DeterministicScheduler(7);
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withChunkSizes(1, 3));
        link.left().send("early-".getBytes());
        s.runUntilIdle();
        assertThat(link.right().bytesReceived()).isZero();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        link.left().send("late".getBytes());
        link.right().onReceive(got::writeBytes);
        assertThat(got.size()).as("delivery is a scheduler task, not on the registering stack").isZero();
        s.runUntilIdle();
        assertThat(got.toString()).isEqualTo("early-late");
    }

    @Test
    void onClose_registeredAfterPeerClosed_stillNotifiedAfterBufferedData() {
        DeterministicScheduler s = new DeterministicScheduler(8);
        SimulatedLink link = SimulatedLink.open(s);
        link.left().send("bye".getBytes());
        link.left().close();
        s.runUntilIdle();
        assertThat(link.right().isOpen()).isFalse();
        List<String> events = new ArrayList<>();
        link.right().onClose(reason -> events.add(reason.name()));
        s.runUntilIdle();
        assertThat(events).as("close waits behind data still waiting for a receive handler").isEmpty();
        link.right().onReceive(c -> events.add(new String(c)));
        s.runUntilIdle();
        assertThat(String.join("", events.subList(0, events.size() - 1))).isEqualTo("bye");
        assertThat(events.getLast()).isEqualTo("CLOSED");
    }

    @Test
    void onReceive_replaced_laterChunksGoToNewHandler() {
        DeterministicScheduler s = new DeterministicScheduler(9);
        SimulatedLink link = SimulatedLink.open(s, new LinkOptions(Duration.ZERO, Duration.ZERO, 1, 1));
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        link.right().onReceive(chunk -> {
            first.writeBytes(chunk);
            if (first.size() == 2) {
                link.right().onReceive(second::writeBytes);
            }
        });
        link.left().send("abcdef".getBytes());
        s.runUntilIdle();
        assertThat(first.toString()).isEqualTo("ab");
        assertThat(second.toString()).isEqualTo("cdef");
    }

    @Test
    void handlerThrows_runMethodReportsSeed() {
        DeterministicScheduler s = new DeterministicScheduler(10);
        SimulatedLink link = SimulatedLink.open(s);
        link.right().onReceive(chunk -> {
            throw new IllegalArgumentException("bad frame");
        });
        link.left().send(new byte[1]);
        assertThatThrownBy(s::runUntilIdle).isInstanceOf(AssertionError.class).hasMessageContaining("seed 10")
                .cause().hasMessage("bad frame");
    }

    @Test
    void advanceTime_releasesManyDeliveriesAtOnce_orderStillPreserved() {
        for (long seed = 0; seed < 50; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withChunkSizes(1, 4));
            Recorder right = new Recorder(s, link.right());
            byte[] data = randomBytes(s.random(), 400);
            link.left().send(data);
            s.advanceTime(Duration.ofSeconds(1));
            s.runUntilIdle();
            assertThat(right.bytes.toByteArray()).as("seed %d", seed).isEqualTo(data);
        }
    }

    @Test
    void linkOptions_invalidValues_rejectedNamingTheValue() {
        LinkOptions d = LinkOptions.defaults();
        assertThatThrownBy(() -> d.withLatency(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("latency");
        assertThatThrownBy(() -> d.withJitter(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("jitter");
        assertThatThrownBy(() -> d.withMinChunk(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minChunk must be at least 1 byte, was 0");
        assertThatThrownBy(() -> d.withMinChunk(65)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("withChunkSizes");
        assertThatThrownBy(() -> d.withMaxChunk(LinkOptions.MAX_CHUNK_LIMIT + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1048576");
        assertThat(d.withChunkSizes(100, 200)).isEqualTo(new LinkOptions(d.latency(), d.jitter(), 100, 200));
    }

    @Test
    void linkOptions_randomized_validAndSeeded() {
        Set<LinkOptions> seen = new HashSet<>();
        for (long seed = 0; seed < 200; seed++) {
            LinkOptions o = LinkOptions.randomized(new DeterministicScheduler(seed).random());
            assertThat(o).isEqualTo(LinkOptions.randomized(new DeterministicScheduler(seed).random()));
            assertThat(o.jitter()).isLessThanOrEqualTo(o.latency());
            seen.add(o);
        }
        assertThat(seen).hasSizeGreaterThan(190);
        assertThat(seen.stream().mapToInt(LinkOptions::maxChunk).min().orElseThrow()).isLessThanOrEqualTo(8);
        assertThat(seen.stream().mapToInt(LinkOptions::maxChunk).max().orElseThrow()).isGreaterThan(256);
    }

    @Test
    void closeAfter_midSend_peerGetsExactPrefixThenClosed() {
        for (long seed = 0; seed < 50; seed++) {
            DeterministicScheduler s = new DeterministicScheduler(seed);
            SimulatedLink link = SimulatedLink.open(s, LinkOptions.randomized(s.random()));
            Recorder right = new Recorder(s, link.right());
            byte[] first = randomBytes(s.random(), 100);
            byte[] second = randomBytes(s.random(), 100);
            link.left().send(first);
            int cut = s.random().nextInt(1, 100);
            link.left().closeAfter(cut);
            link.left().send(second);
            assertThat(link.left().isOpen()).isFalse();
            assertThat(link.left().bytesSent()).isEqualTo(100 + cut);
            assertThatThrownBy(() -> link.left().send(new byte[1])).isInstanceOf(IllegalStateException.class);
            s.runUntilIdle();
            byte[] expected = java.util.Arrays.copyOf(first, 100 + cut);
            System.arraycopy(second, 0, expected, 100, cut);
            assertThat(right.bytes.toByteArray()).as("seed %d cut %d", seed, cut).isEqualTo(expected);
            assertThat(right.events.getLast()).isEqualTo("CLOSED");
        }
    }

    @Test
    void resetAfter_thresholdReached_inFlightDroppedPeerSeesReset() {
        DeterministicScheduler s = new DeterministicScheduler(11);
        SimulatedLink link = SimulatedLink.open(s, LinkOptions.defaults().withLatency(Duration.ofMillis(5)));
        Recorder right = new Recorder(s, link.right());
        link.left().resetAfter(150);
        link.left().send(new byte[100]);
        assertThat(link.left().isOpen()).isTrue();
        link.left().send(new byte[100]);
        assertThat(link.left().isOpen()).isFalse();
        s.runUntilIdle();
        assertThat(right.events).containsExactly("RESET");
        assertThat(link.left().bytesSent()).isEqualTo(150);
    }

    @Test
    void closeAfter_zeroBytes_closesAtOnce_negativeRejected() {
        DeterministicScheduler s = new DeterministicScheduler(12);
        SimulatedLink link = SimulatedLink.open(s);
        assertThatThrownBy(() -> link.left().closeAfter(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("was -1");
        link.left().closeAfter(0);
        assertThat(link.left().isOpen()).isFalse();
        assertThatThrownBy(() -> link.left().resetAfter(5)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed by this side");
    }

    @Test
    void close_bothSidesBeforeEitherHears_neitherNotified() {
        DeterministicScheduler s = new DeterministicScheduler(13);
        SimulatedLink link = SimulatedLink.open(s);
        Recorder left = new Recorder(s, link.left());
        Recorder right = new Recorder(s, link.right());
        link.left().close();
        link.right().close();
        s.runUntilIdle();
        assertThat(left.events).isEmpty();
        assertThat(right.events).isEmpty();
        assertThat(link.left().peer()).isSameAs(link.right());
        assertThat(link.right().link()).isSameAs(link);
    }
}
