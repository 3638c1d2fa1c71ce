package dev.interlock.api.guard;

import java.time.Duration;
import java.util.Objects;

/**
 * A reorder buffer: messages offered per key with sequence numbers are delivered to the {@link Receiver} in
 * sequence order, each exactly once (seed 004: events that arrive out of order).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Order.</b> For each key, {@link Receiver#deliver} is called with consecutive sequence numbers starting at
 *       {@link Options#firstSequence()}, never concurrently for one key, on the guard's scheduler. Different keys are
 *       delivered independently.
 *   <li><b>Duplicates.</b> A sequence number already delivered or already buffered is dropped:
 *       {@link #offer} returns {@link Offer#DUPLICATE}.
 *   <li><b>Bounded buffer.</b> At most {@link Options#maxBufferedPerKey()} messages wait per key, counting both
 *       those held behind a gap and those accepted in order but not yet delivered (so a producer that outruns its
 *       receiver is pushed back too); an offer beyond that returns {@link Offer#REJECTED_FULL} and is not kept.
 *   <li><b>Bounded gap wait.</b> When the next expected number is missing while later ones wait, the sequencer waits
 *       at most {@link Options#maxGapWait()} (measured on the guard's scheduler) from the moment the gap was first
 *       seen. Then {@link Options#gapPolicy()} decides:
 *       <ul>
 *         <li>{@link GapPolicy#SKIP}: {@link Receiver#skipped} is called for the missing range (the gap marker),
 *             in sequence position, and delivery continues with the buffered messages; numbers in the skipped
 *             range that arrive later are {@link Offer#DUPLICATE}.
 *         <li>{@link GapPolicy#FAIL}: the buffered messages of that key are discarded, {@link Receiver#failed} is
 *             called once with a {@link SequenceGapException}, and further offers for the key return
 *             {@link Offer#KEY_FAILED} until {@link #reset(Object)}.
 *       </ul>
 *   <li><b>Receiver failures.</b> An exception thrown by the receiver is logged and does not stop delivery.
 *   <li><b>Memory.</b> Per key the sequencer keeps its next expected number and the buffered messages until
 *       {@link #reset(Object)}; a reset key starts again at {@link Options#firstSequence()}.
 *   <li><b>Memory effects.</b> Actions before {@code offer} happen-before the delivery of that message.
 *   <li><b>Close.</b> {@link #close()} discards buffered messages, cancels gap timers, and makes further offers
 *       return {@link Offer#CLOSED}; a delivery already running finishes.
 * </ul>
 *
 * @param <K> the key type
 * @param <M> the message type
 */
public interface Sequencer<K, M> extends AutoCloseable {

    /** Offers message {@code sequence} for {@code key}. Never blocks. */
    Offer offer(K key, long sequence, M message);

    /** Forgets everything about {@code key}: buffered messages are discarded, the next expected number resets. */
    void reset(K key);

    /** The next sequence number {@code key} expects. An estimate. */
    long nextExpected(K key);

    /** Messages buffered (waiting for a gap) across all keys. An estimate. */
    int buffered();

    @Override
    void close();

    /** What became of an offer. */
    enum Offer {
        /** Will be (or was) delivered in order. */
        ACCEPTED,
        /** Already delivered, already buffered, or inside a skipped range: dropped. */
        DUPLICATE,
        /** The key's buffer is full ({@link Options#maxBufferedPerKey()}): dropped. */
        REJECTED_FULL,
        /** The key failed under {@link GapPolicy#FAIL} and has not been reset: dropped. */
        KEY_FAILED,
        /** The sequencer is closed: dropped. */
        CLOSED
    }

    /** What to do when a gap has waited {@link Options#maxGapWait()}. */
    enum GapPolicy {
        /** Deliver a gap marker ({@link Receiver#skipped}) and go on. */
        SKIP,
        /** Fail the key ({@link Receiver#failed}) until it is reset. */
        FAIL
    }

    /**
     * Receives the messages of a {@link Sequencer}. Callbacks for one key are never concurrent; they run on the
     * guard's scheduler and must not block.
     */
    interface Receiver<K, M> {
        /** Message {@code sequence} of {@code key}, in order. */
        void deliver(K key, long sequence, M message);

        /** Under {@link GapPolicy#SKIP}: numbers {@code [fromInclusive, toExclusive)} of {@code key} never came. */
        default void skipped(K key, long fromInclusive, long toExclusive) {
        }

        /** Under {@link GapPolicy#FAIL}: {@code key} failed; it accepts nothing until reset. */
        default void failed(K key, SequenceGapException cause) {
        }
    }

    /**
     * Sequencer settings.
     *
     * @param firstSequence     the number each key starts at
     * @param maxGapWait        how long a gap may stay open before {@code gapPolicy} applies; positive
     * @param maxBufferedPerKey how many out-of-order messages may wait per key; at least 1
     * @param gapPolicy         what to do when a gap expires
     */
    record Options(long firstSequence, Duration maxGapWait, int maxBufferedPerKey, GapPolicy gapPolicy) {

        /** Default gap wait: 5 seconds. */
        public static final Duration DEFAULT_MAX_GAP_WAIT = Duration.ofSeconds(5);
        /** Default buffer bound per key: 1024 messages. */
        public static final int DEFAULT_MAX_BUFFERED_PER_KEY = 1024;

        public Options {
            Objects.requireNonNull(maxGapWait, "maxGapWait");
            Objects.requireNonNull(gapPolicy, "gapPolicy");
            if (maxGapWait.isNegative() || maxGapWait.isZero()) {
                throw new IllegalArgumentException("maxGapWait must be positive, was " + maxGapWait);
            }
            if (maxBufferedPerKey < 1) {
                throw new IllegalArgumentException("maxBufferedPerKey must be at least 1, was " + maxBufferedPerKey);
            }
        }

        /** Starts at 0, waits 5 s for a gap, buffers 1024 per key, skips expired gaps. */
        public static Options defaults() {
            return new Options(0, DEFAULT_MAX_GAP_WAIT, DEFAULT_MAX_BUFFERED_PER_KEY, GapPolicy.SKIP);
        }

        public Options withFirstSequence(long first) {
            return new Options(first, maxGapWait, maxBufferedPerKey, gapPolicy);
        }

        public Options withMaxGapWait(Duration wait) {
            return new Options(firstSequence, wait, maxBufferedPerKey, gapPolicy);
        }

        public Options withMaxBufferedPerKey(int max) {
            return new Options(firstSequence, maxGapWait, max, gapPolicy);
        }

        public Options withGapPolicy(GapPolicy policy) {
            return new Options(firstSequence, maxGapWait, maxBufferedPerKey, policy);
        }
    }
}
