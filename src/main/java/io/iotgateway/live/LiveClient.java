package io.iotgateway.live;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connected live client with a bounded queue of its own. Offering an event never blocks: when the queue is full the
 * oldest event is dropped, counted, and the client told how many it missed. One sender task at a time drains the
 * queue, so a slow or stuck client delays only itself, never ingest or other clients.
 */
abstract class LiveClient {

    private static final Logger LOG = LoggerFactory.getLogger(LiveClient.class);

    private final String transport;
    private final int capacity;
    private final Executor senders;
    private final ArrayDeque<LiveEvent> events = new ArrayDeque<>();
    private final Queue<String> control = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private long dropped;
    private Runnable onDrop = () -> {};
    private Runnable onClose = () -> {};

    LiveClient(String transport, int capacity, Executor senders) {
        this.transport = transport;
        this.capacity = capacity;
        this.senders = senders;
    }

    String transport() {
        return transport;
    }

    abstract boolean wants(LiveEvent event);

    /** Writes one batch: protocol frames first, then how many events were dropped (if any), then the events. */
    protected abstract void write(List<String> control, long dropped, List<LiveEvent> events) throws IOException;

    /** Ends a connection that still works (the gateway stops); called at most once. */
    protected abstract void disconnect();

    /** Keeps an idle connection open through proxies; transports that need it send something. */
    void heartbeat() {}

    void onDrop(Runnable onDrop) {
        this.onDrop = onDrop;
    }

    void onClose(Runnable onClose) {
        this.onClose = onClose;
    }

    void offer(LiveEvent event) {
        synchronized (events) {
            if (events.size() >= capacity) {
                events.poll();
                dropped++;
                onDrop.run();
            }
            events.add(event);
        }
        schedule();
    }

    /** Tells the client it missed events it can no longer get (e.g. evicted from the replay buffer). */
    void missed(long count) {
        synchronized (events) {
            dropped += count;
        }
        schedule();
    }

    /** A protocol frame (reply, heartbeat); never dropped. */
    void send(String frame) {
        control.add(frame);
        schedule();
    }

    boolean isClosed() {
        return closed.get();
    }

    /** The gateway ends the connection. */
    void close() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
            try {
                disconnect();
            } catch (RuntimeException e) {
                LOG.debug("Live {} client already gone: {}", transport, e.toString());
            }
        }
    }

    /**
     * The connection failed or the client left. It is only forgotten: the web server finishes a broken response
     * itself, and touching it from here would race with that.
     */
    void gone() {
        if (closed.compareAndSet(false, true)) {
            onClose.run();
        }
    }

    private void schedule() {
        if (!closed.get() && sending.compareAndSet(false, true)) {
            try {
                senders.execute(this::drain);
            } catch (RejectedExecutionException e) {
                LOG.warn("Closing a live {} client: no sender available", transport);
                close();
            }
        }
    }

    private void drain() {
        try {
            while (!closed.get()) {
                List<String> frames = new ArrayList<>();
                for (String frame; (frame = control.poll()) != null; ) {
                    frames.add(frame);
                }
                List<LiveEvent> batch;
                long lost;
                synchronized (events) {
                    batch = new ArrayList<>(events);
                    events.clear();
                    lost = dropped;
                    dropped = 0;
                }
                if (frames.isEmpty() && batch.isEmpty() && lost == 0) {
                    sending.set(false);
                    // something may have arrived between the last look and the flag reset
                    if (control.isEmpty() && !hasEvents() || !sending.compareAndSet(false, true)) {
                        return;
                    }
                    continue;
                }
                write(frames, lost, batch);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("Live {} client gone: {}", transport, e.toString());
            gone();
        }
    }

    private boolean hasEvents() {
        synchronized (events) {
            return !events.isEmpty() || dropped > 0;
        }
    }
}
