package dev.interlock.internal.guard;

import dev.interlock.api.exec.Cancellable;
import dev.interlock.api.exec.Scheduler;
import dev.interlock.api.guard.SequenceGapException;
import dev.interlock.api.guard.Sequencer;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The in-JVM {@link Sequencer}.
 *
 * <h2>Design</h2>
 * <pre>
 * Per key, a KeyState guarded by its monitor: 'next' (the next number to accept in order), 'waiting' (a TreeMap
 * of out-of-order messages), 'ready' (events in order, not yet handed to the receiver: deliveries, gap markers,
 * the failure) and 'draining' (a drain task for this key is scheduled or running). offer() and the gap timer only
 * move messages from 'waiting' to 'ready' under the monitor; the drain task, one per key at a time, pops 'ready'
 * and calls the receiver outside the monitor, on the scheduler. That is what makes deliveries of one key ordered
 * and never concurrent, while different keys drain independently.
 *
 * Gap timer: armed when a message is buffered behind a missing number, for that number. When the missing number
 * arrives and a later gap remains, the timer is re-armed for the new missing number (the new gap is "first seen"
 * then). A generation counter makes a timer that lost the race with an arrival do nothing.
 *
 * Bounded memory: messages accepted but not yet delivered count against maxBufferedPerKey together with the
 * out-of-order ones, so a producer that outruns its receiver sees REJECTED_FULL instead of growing a queue.
 *
 * Memory effects: offer() enqueues under the key's monitor and the drain dequeues under it, so actions before
 * offer() happen-before the delivery of that message.
 * </pre>
 */
final class InJvmSequencer<K, M> implements Sequencer<K, M> {

    private static final System.Logger LOG = System.getLogger(InJvmSequencer.class.getName());
    /** Events delivered back to back in one scheduler task at most, before the drain re-submits itself. */
    private static final int BATCH = 256;

    private final String name;
    private final Scheduler scheduler;
    private final Options options;
    private final Receiver<K, M> receiver;
    private final ConcurrentHashMap<K, KeyState> keys = new ConcurrentHashMap<>();
    private final Function<K, KeyState> newState = KeyState::new;
    private final AtomicInteger bufferedTotal = new AtomicInteger();
    private volatile boolean closed;

    InJvmSequencer(String name, Scheduler scheduler, Options options, Receiver<K, M> receiver) {
        this.name = name;
        this.scheduler = scheduler;
        this.options = options;
        this.receiver = receiver;
    }

    @Override
    public Offer offer(K key, long sequence, M message) {
        Guards.requireNonNull(key, "key");
        Guards.requireNonNull(message, "message");
        if (closed) {
            return Offer.CLOSED;
        }
        while (true) {
            KeyState st = keys.computeIfAbsent(key, newState);
            boolean startDrain;
            synchronized (st) {
                if (st.removed) {
                    if (closed) {
                        return Offer.CLOSED;
                    }
                    continue; // reset or closed under our feet: find the key's current state
                }
                st.resetRequested = false;
                if (st.failed) {
                    return Offer.KEY_FAILED;
                }
                if (sequence < st.next) {
                    return Offer.DUPLICATE;
                }
                if (st.waiting.containsKey(sequence)) {
                    return Offer.DUPLICATE;
                }
                if (st.waiting.size() + st.readyMessages >= options.maxBufferedPerKey()) {
                    return Offer.REJECTED_FULL;
                }
                if (sequence > st.next) {
                    st.waiting.put(sequence, message);
                    bufferedTotal.incrementAndGet();
                    if (st.timer == null) {
                        armGapTimer(st);
                    }
                    return Offer.ACCEPTED;
                }
                st.ready.add(new Event(Event.DELIVER, sequence, 0, message, null));
                st.readyMessages++;
                st.next = sequence + 1;
                pullConsecutive(st);
                startDrain = !st.draining;
                st.draining = true;
            }
            if (startDrain) {
                startDrain(st);
            }
            return Offer.ACCEPTED;
        }
    }

    /** Moves buffered messages that are now in order to 'ready', then re-arms or cancels the gap timer. */
    private void pullConsecutive(KeyState st) {
        TreeMap<Long, Object> waiting = st.waiting;
        while (!waiting.isEmpty()) {
            Map.Entry<Long, Object> first = waiting.firstEntry();
            if (first.getKey() != st.next) {
                break;
            }
            waiting.pollFirstEntry();
            bufferedTotal.decrementAndGet();
            st.ready.add(new Event(Event.DELIVER, st.next, 0, first.getValue(), null));
            st.readyMessages++;
            st.next++;
        }
        if (waiting.isEmpty()) {
            cancelGapTimer(st);
        } else if (st.gapFor != st.next) {
            cancelGapTimer(st);
            armGapTimer(st);
        }
    }

    private void armGapTimer(KeyState st) {
        long generation = ++st.timerGeneration;
        st.gapFor = st.next;
        st.timer = scheduler.schedule(() -> gapExpired(st, generation), options.maxGapWait());
    }

    private void cancelGapTimer(KeyState st) {
        st.timerGeneration++;
        Cancellable t = st.timer;
        if (t != null) {
            t.cancel();
            st.timer = null;
        }
    }

    private void gapExpired(KeyState st, long generation) {
        boolean startDrain;
        synchronized (st) {
            if (st.timerGeneration != generation || st.removed || st.waiting.isEmpty()) {
                return;
            }
            st.timer = null;
            long missing = st.next;
            long lowest = st.waiting.firstKey();
            if (options.gapPolicy() == GapPolicy.SKIP) {
                st.ready.add(new Event(Event.SKIPPED, missing, lowest, null, null));
                st.next = lowest;
                pullConsecutive(st);
            } else {
                int dropped = st.waiting.size();
                bufferedTotal.addAndGet(-dropped);
                st.waiting.clear();
                st.failed = true;
                st.ready.add(new Event(Event.FAILED, missing, lowest, null, new SequenceGapException(
                        "sequencer '" + name + "': key " + Guards.render(st.key) + " waited "
                                + options.maxGapWait() + " (maxGapWait) for sequence " + missing
                                + " while " + lowest + " was next available; " + dropped
                                + " buffered message(s) discarded and the key fails until reset(key)",
                        missing, lowest)));
            }
            startDrain = !st.draining;
            st.draining = true;
        }
        if (startDrain) {
            startDrain(st);
        }
    }

    private void startDrain(KeyState st) {
        try {
            scheduler.execute(st);
        } catch (RejectedExecutionException e) {
            synchronized (st) {
                st.draining = false;
            }
            throw e;
        }
    }

    @Override
    public void reset(K key) {
        Guards.requireNonNull(key, "key");
        KeyState st = keys.get(key);
        if (st == null) {
            return;
        }
        synchronized (st) {
            if (st.removed) {
                return;
            }
            cancelGapTimer(st);
            bufferedTotal.addAndGet(-st.waiting.size());
            st.waiting.clear();
            st.ready.clear();
            st.readyMessages = 0;
            st.next = options.firstSequence();
            st.failed = false;
            if (st.draining) {
                st.resetRequested = true; // the running drain removes the state when it finishes
            } else {
                st.removed = true;
                keys.remove(key, st);
            }
        }
    }

    @Override
    public long nextExpected(K key) {
        Guards.requireNonNull(key, "key");
        KeyState st = keys.get(key);
        if (st == null) {
            return options.firstSequence();
        }
        synchronized (st) {
            return st.removed ? options.firstSequence() : st.next;
        }
    }

    @Override
    public int buffered() {
        return bufferedTotal.get();
    }

    @Override
    public void close() {
        closed = true;
        for (KeyState st : keys.values()) {
            synchronized (st) {
                cancelGapTimer(st);
                bufferedTotal.addAndGet(-st.waiting.size());
                st.waiting.clear();
                st.ready.clear();
                st.readyMessages = 0;
                st.removed = true;
                keys.remove(st.key, st);
            }
        }
    }

    /** Keys with state right now (test and monitoring aid). */
    int activeKeys() {
        return keys.size();
    }

    @Override
    public String toString() {
        return "Sequencer[" + name + ", keys=" + keys.size() + ", buffered=" + buffered() + "]";
    }

    /** Something to hand to the receiver, in order. */
    private record Event(int kind, long sequence, long toExclusive, Object message, SequenceGapException failure) {
        static final int DELIVER = 0;
        static final int SKIPPED = 1;
        static final int FAILED = 2;
    }

    /** Everything the sequencer knows about one key; guarded by its own monitor. Also the key's drain task. */
    private final class KeyState implements Runnable {
        final K key;
        long next = options.firstSequence();
        final TreeMap<Long, Object> waiting = new TreeMap<>();
        final ArrayDeque<Event> ready = new ArrayDeque<>();
        int readyMessages;
        boolean draining;
        boolean failed;
        boolean removed;
        boolean resetRequested;
        Cancellable timer;
        long timerGeneration;
        long gapFor;

        KeyState(K key) {
            this.key = key;
        }

        @Override
        public void run() {
            for (int i = 0; i < BATCH; i++) {
                Event e;
                synchronized (this) {
                    e = ready.poll();
                    if (e == null) {
                        draining = false;
                        if (resetRequested && !removed && waiting.isEmpty() && !failed
                                && next == options.firstSequence()) {
                            removed = true;
                            keys.remove(key, this);
                        }
                        return;
                    }
                    if (e.kind == Event.DELIVER) {
                        readyMessages--;
                    }
                }
                dispatch(e);
            }
            startDrain(this);
        }

        @SuppressWarnings("unchecked")
        private void dispatch(Event e) {
            try {
                switch (e.kind) {
                    case Event.DELIVER -> receiver.deliver(key, e.sequence, (M) e.message);
                    case Event.SKIPPED -> receiver.skipped(key, e.sequence, e.toExclusive);
                    default -> receiver.failed(key, e.failure);
                }
            } catch (RuntimeException | Error t) {
                if (t instanceof VirtualMachineError) {
                    throw t;
                }
                LOG.log(System.Logger.Level.WARNING, () -> "sequencer '" + name + "': the receiver threw for key "
                        + Guards.render(key) + " at sequence " + e.sequence + "; delivery goes on", t);
            }
        }
    }
}
