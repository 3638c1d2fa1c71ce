package dev.interlock.plugin.voice.internal;

import dev.interlock.plugin.voice.ClientEvent;
import dev.interlock.plugin.voice.ClientEventType.EventClass;
import dev.interlock.plugin.voice.OutboundLimits;
import dev.interlock.plugin.voice.OutboundQueueFullException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The outbound queue of one session: events accepted by {@code send} and not yet taken by a channel, in order, plus
 * at most one event "in flight" (handed to a channel whose send stage has not completed).
 *
 * <p>Design: callers add from any thread; only the session's lane takes ({@link #take}), confirms and puts back. The
 * in-flight event is held apart from the deque so that shedding (which happens on the caller's thread) can never
 * remove the event being sent, and a failed send puts it back at the front: order is kept without re-sorting.
 * All methods synchronize on this object; none calls out while holding the lock except the shed callback, which
 * only logs and notifies listeners (listeners must not block).
 */
final class Outbox {

    private final OutboundLimits limits;
    private final ArrayDeque<ClientEvent> queue = new ArrayDeque<>();
    private final Set<String> queuedIds = new HashSet<>();
    private final List<CompletableFuture<Void>> drainWaiters = new ArrayList<>();
    private ClientEvent inFlight;
    private int controlCount;
    private long audioChars;
    private long shed;

    Outbox(OutboundLimits limits) {
        this.limits = limits;
    }

    /**
     * Appends {@code event} (which has its id), applying the per-class policy.
     *
     * @param onShed called for each audio append shed to make room, oldest first
     */
    synchronized void add(ClientEvent event, Consumer<ClientEvent> onShed) {
        String id = event.eventId().orElseThrow();
        if (queuedIds.contains(id)) {
            throw new IllegalArgumentException("event_id '" + id + "' is already queued in this session; "
                    + "each client event needs its own id (leave it out and the session assigns one)");
        }
        if (event.type().eventClass() == EventClass.CONTROL) {
            int queuedControl = controlCount + (inFlight != null && isControl(inFlight) ? 1 : 0);
            if (queuedControl >= limits.maxControlEvents()) {
                throw new OutboundQueueFullException("outbound queue full: " + queuedControl
                        + " control events are waiting (limit maxControlEvents=" + limits.maxControlEvents()
                        + "); " + event + " was not queued. The session cannot send right now (state: not open);"
                        + " wait for it to reconnect, or raise OutboundLimits.maxControlEvents", limits.maxControlEvents());
            }
            controlCount++;
        } else {
            audioChars += event.jsonLength();
            shedAudioOverBudget(onShed);
        }
        queue.addLast(event);
        queuedIds.add(id);
    }

    private void shedAudioOverBudget(Consumer<ClientEvent> onShed) {
        // The new append is not in the queue yet, so it is never shed itself: the budget is at least one event.
        Iterator<ClientEvent> it = queue.iterator();
        while (audioChars > limits.audioBudgetChars() && it.hasNext()) {
            ClientEvent e = it.next();
            if (!isControl(e)) {
                it.remove();
                queuedIds.remove(e.eventId().orElseThrow());
                audioChars -= e.jsonLength();
                shed++;
                onShed.accept(e);
            }
        }
    }

    /** Moves the head into flight and returns it; {@code null} if the queue is empty or an event is already in flight. */
    synchronized ClientEvent take() {
        if (inFlight != null) {
            throw new IllegalStateException("Outbox.take: " + inFlight + " is still in flight (the lane must wait for"
                    + " each send's stage before the next)");
        }
        ClientEvent e = queue.pollFirst();
        if (e == null) {
            completeDrainWaiters();
            return null;
        }
        inFlight = e;
        return e;
    }

    /** The in-flight event was taken by the channel. */
    synchronized void confirm(ClientEvent e) {
        requireInFlight(e);
        inFlight = null;
        queuedIds.remove(e.eventId().orElseThrow());
        if (isControl(e)) {
            controlCount--;
        } else {
            audioChars -= e.jsonLength();
        }
        if (queue.isEmpty()) {
            completeDrainWaiters();
        }
    }

    /** The in-flight event was not taken: it goes back to the front, ahead of everything queued after it. */
    synchronized void putBack(ClientEvent e) {
        requireInFlight(e);
        inFlight = null;
        queue.addFirst(e);
    }

    private void requireInFlight(ClientEvent e) {
        if (inFlight != e) {
            throw new IllegalStateException("Outbox: " + e + " is not the event in flight (" + inFlight + ")");
        }
    }

    synchronized CompletableFuture<Void> drained() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (queue.isEmpty() && inFlight == null) {
            f.complete(null);
        } else {
            drainWaiters.add(f);
        }
        return f;
    }

    private void completeDrainWaiters() {
        if (inFlight == null && queue.isEmpty() && !drainWaiters.isEmpty()) {
            List<CompletableFuture<Void>> waiters = List.copyOf(drainWaiters);
            drainWaiters.clear();
            waiters.forEach(w -> w.complete(null));
        }
    }

    synchronized boolean isQueued(String id) {
        return queuedIds.contains(id);
    }

    synchronized boolean hasQueued() {
        return !queue.isEmpty();
    }

    synchronized List<ClientEvent> snapshot() {
        List<ClientEvent> all = new ArrayList<>(queue.size() + 1);
        if (inFlight != null) {
            all.add(inFlight);
        }
        all.addAll(queue);
        return all;
    }

    synchronized int size() {
        return queue.size() + (inFlight == null ? 0 : 1);
    }

    synchronized long shed() {
        return shed;
    }

    private static boolean isControl(ClientEvent e) {
        return e.type().eventClass() == EventClass.CONTROL;
    }
}
