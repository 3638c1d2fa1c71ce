package dev.interlock.plugin.voice;

import dev.interlock.api.exec.Scheduler;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * An {@link EventChannel} connected to an in-memory {@link Peer} (the "server" side), running every delivery and every
 * send completion as a separate task on the given {@link Scheduler}. Under the testkit's deterministic scheduler each
 * seed explores another interleaving of sends, completions, opens and closes; under a real scheduler it is an ordinary
 * thread-safe in-process pipe.
 *
 * <p>It keeps the whole {@link EventChannel} contract, modelled on a WebSocket: messages in each direction are
 * delivered in order, exactly once, unless the connection is {@linkplain Peer#reset() reset} (then what is in flight
 * is dropped, in both directions); a close started by either side is a closing handshake: everything sent before the
 * other side saw the close is still delivered. {@link Peer#failNextSend()} makes the next client send fail (the
 * message is not delivered) and the channel then closes abnormally, as a WebSocket does after a write error.
 *
 * <p>Thread-safety: all methods may be called from any thread; listener and peer callbacks run one at a time per side.
 */
public final class InMemoryChannel implements EventChannel {

    private sealed interface Item permits Text, Opened, Close {
    }

    private record Text(String text) implements Item {
    }

    private record Opened() implements Item {
    }

    private record Close(int code, String reason, boolean abrupt) implements Item {
    }

    private final Scheduler scheduler;
    private final int maxMessageChars;
    private final Peer peer = new Peer();
    private final Object lock = new Object();
    private final String description;

    // Guarded by lock.
    private ReadyState state = ReadyState.CONNECTING;
    private Listener listener;
    private boolean delivering;
    private boolean closedDelivered;
    private final ArrayDeque<Item> toClient = new ArrayDeque<>();
    private final ArrayDeque<Item> toPeer = new ArrayDeque<>();
    private boolean peerDelivering;
    private boolean peerSawClose;
    private boolean peerClosing;
    /** Sends that still succeed before the armed failure; negative when none is armed. */
    private int sendsBeforeFailure = -1;

    private InMemoryChannel(Scheduler scheduler, int maxMessageChars, String description) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        if (maxMessageChars < 1) {
            throw new IllegalArgumentException("maxMessageChars must be >= 1, got " + maxMessageChars);
        }
        this.maxMessageChars = maxMessageChars;
        this.description = Objects.requireNonNull(description, "description");
    }

    /** A new channel in {@code CONNECTING}; its {@link #peer()} opens it. */
    public static InMemoryChannel create(Scheduler scheduler, int maxMessageChars, String description) {
        return new InMemoryChannel(scheduler, maxMessageChars, description);
    }

    /** The other end. */
    public Peer peer() {
        return peer;
    }

    @Override
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (this.listener != null) {
                throw new IllegalStateException("InMemoryChannel.start called twice on " + description);
            }
            this.listener = listener;
            if (!toClient.isEmpty()) {
                scheduler.execute(this::deliverOneToClient);
            }
        }
    }

    @Override
    public ReadyState readyState() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public CompletionStage<Void> send(String text) {
        Objects.requireNonNull(text, "text");
        CompletableFuture<Void> result = new CompletableFuture<>();
        Throwable failure = null;
        synchronized (lock) {
            if (state != ReadyState.OPEN) {
                failure = new IOException("channel " + description + " is " + state + "; message not sent");
            } else if (sendsBeforeFailure > 0) {
                sendsBeforeFailure--;
                enqueueToPeer(new Text(text));
            } else if (sendsBeforeFailure == 0) {
                sendsBeforeFailure = -1;
                failure = new IOException("injected send failure on " + description + "; message not sent");
                // A write error breaks the connection; what was taken before is already on its way.
                state = ReadyState.CLOSED;
                enqueueToClient(new Close(1006, "send failed", true));
                enqueueToPeer(new Close(1006, "send failed", true));
            } else {
                enqueueToPeer(new Text(text));
            }
        }
        Throwable f = failure;
        scheduler.execute(() -> {
            if (f == null) {
                result.complete(null);
            } else {
                result.completeExceptionally(f);
            }
        });
        return result;
    }

    @Override
    public void close(int code, String reason) {
        synchronized (lock) {
            switch (state) {
                case CONNECTING -> {
                    state = ReadyState.CLOSED;
                    enqueueToClient(new Close(code, reason, false));
                    enqueueToPeer(new Close(code, reason, false));
                }
                case OPEN -> {
                    state = ReadyState.CLOSING;
                    enqueueToPeer(new Close(code, reason, false));
                }
                case CLOSING, CLOSED -> { }
            }
        }
    }

    @Override
    public void abort() {
        synchronized (lock) {
            breakConnection(1006, "aborted by client");
        }
    }

    @Override
    public String describe() {
        return "in-memory:" + description;
    }

    // Guarded by lock.
    private void breakConnection(int code, String reason) {
        if (closedDelivered || (state == ReadyState.CLOSED && hasClose(toClient))) {
            return;
        }
        state = ReadyState.CLOSED;
        toClient.removeIf(i -> i instanceof Text);
        toPeer.removeIf(i -> i instanceof Text);
        enqueueToClient(new Close(code, reason, true));
        if (!peerSawClose) {
            enqueueToPeer(new Close(code, reason, true));
        }
    }

    private static boolean hasClose(ArrayDeque<Item> q) {
        return q.stream().anyMatch(i -> i instanceof Close);
    }

    // Guarded by lock.
    private void enqueueToClient(Item item) {
        toClient.addLast(item);
        if (listener != null) {
            scheduler.execute(this::deliverOneToClient);
        }
    }

    // Guarded by lock.
    private void enqueueToPeer(Item item) {
        toPeer.addLast(item);
        scheduler.execute(this::deliverOneToPeer);
    }

    /** One task delivers one item, so that a deterministic scheduler interleaves deliveries with everything else. */
    private void deliverOneToClient() {
        Item item;
        Listener l;
        synchronized (lock) {
            if (delivering || closedDelivered || toClient.isEmpty() || listener == null) {
                return;
            }
            item = toClient.pollFirst();
            l = listener;
            if (item instanceof Text t && t.text().length() > maxMessageChars) {
                toClient.clear();
                state = ReadyState.CLOSED;
                item = new Close(1009, "message of " + t.text().length() + " chars exceeds the limit of "
                        + maxMessageChars, true);
                if (!peerSawClose) {
                    enqueueToPeer(new Close(1009, "message too big", true));
                }
            }
            if (item instanceof Close c) {
                closedDelivered = true;
                if (state != ReadyState.CLOSED) {
                    // The peer started the closing handshake: answer it, after everything already sent.
                    state = ReadyState.CLOSED;
                    if (!peerSawClose) {
                        enqueueToPeer(new Close(c.code(), c.reason(), false));
                    }
                }
            }
            delivering = true;
        }
        try {
            switch (item) {
                case Opened o -> l.onOpen();
                case Text t -> l.onMessage(t.text());
                case Close c -> l.onClosed(c.code(), c.reason(), c.abrupt());
            }
        } catch (RuntimeException e) {
            System.getLogger(InMemoryChannel.class.getName()).log(System.Logger.Level.WARNING,
                    "listener of " + description + " threw", e);
        } finally {
            synchronized (lock) {
                delivering = false;
                if (!toClient.isEmpty() && !closedDelivered) {
                    scheduler.execute(this::deliverOneToClient);
                }
            }
        }
    }

    private void deliverOneToPeer() {
        Item item;
        Consumer<String> handler;
        Runnable closeHandler;
        synchronized (lock) {
            if (peerDelivering || peerSawClose || toPeer.isEmpty()) {
                return;
            }
            item = toPeer.pollFirst();
            handler = peer.onMessage;
            closeHandler = peer.onClose;
            if (item instanceof Close c) {
                peerSawClose = true;
                toPeer.clear();
                if (!peerClosing && state != ReadyState.CLOSED) {
                    // The client started the closing handshake: the peer answers.
                    enqueueToClient(new Close(c.code(), c.reason(), false));
                }
            }
            peerDelivering = true;
        }
        try {
            if (item instanceof Text t) {
                handler.accept(t.text());
            } else if (item instanceof Close) {
                closeHandler.run();
            }
        } finally {
            synchronized (lock) {
                peerDelivering = false;
                if (!toPeer.isEmpty() && !peerSawClose) {
                    scheduler.execute(this::deliverOneToPeer);
                }
            }
        }
    }

    /** The server end of an {@link InMemoryChannel}. Set the handlers before {@link #open()}. */
    public final class Peer {
        private volatile Consumer<String> onMessage = text -> { };
        private volatile Runnable onClose = () -> { };

        private Peer() {
        }

        /** Handles each message the client sent, in order (one at a time, on the scheduler). */
        public Peer onMessage(Consumer<String> handler) {
            this.onMessage = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Runs once when the connection is over for the peer (closing handshake done, or broken). */
        public Peer onClose(Runnable handler) {
            this.onClose = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Accepts the connection: the client's channel becomes {@code OPEN}. No effect unless it is connecting. */
        public void open() {
            synchronized (lock) {
                if (state == ReadyState.CONNECTING) {
                    state = ReadyState.OPEN;
                    enqueueToClient(new Opened());
                }
            }
        }

        /** Sends a message to the client; returns {@code false} (and sends nothing) once this side is closing. */
        public boolean send(String text) {
            Objects.requireNonNull(text, "text");
            synchronized (lock) {
                if (peerClosing || peerSawClose || closedDelivered || state == ReadyState.CONNECTING) {
                    return false;
                }
                enqueueToClient(new Text(text));
                return true;
            }
        }

        /**
         * Starts a graceful close from the server side: the client sees it after every message already sent to it;
         * messages the client sends before it sees the close are still delivered here.
         */
        public void close(int code, String reason) {
            synchronized (lock) {
                if (peerClosing || peerSawClose || closedDelivered) {
                    return;
                }
                peerClosing = true;
                if (state == ReadyState.CONNECTING) {
                    state = ReadyState.CLOSED;
                }
                enqueueToClient(new Close(code, reason, false));
            }
        }

        /** Breaks the connection at once: messages in flight in both directions are dropped. */
        public void reset() {
            synchronized (lock) {
                breakConnection(1006, "connection reset by peer");
            }
        }

        /** The client's next {@code send} fails (not delivered) and the connection then closes abnormally. */
        public void failNextSend() {
            failSendAfter(0);
        }

        /**
         * The client's next {@code okSends} sends succeed, the one after fails (not delivered) and the connection then
         * closes abnormally.
         */
        public void failSendAfter(int okSends) {
            if (okSends < 0) {
                throw new IllegalArgumentException("okSends must be >= 0, got " + okSends);
            }
            synchronized (lock) {
                sendsBeforeFailure = okSends;
            }
        }

        /** Whether the connection is over for the peer. */
        public boolean isClosed() {
            synchronized (lock) {
                return peerSawClose;
            }
        }
    }
}
