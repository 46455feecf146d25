package io.iotgateway.support;

import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Counts what arrived per device: latency, duplicates, order (a message first seen after a later one of the same
 * device). Thread-safe. Benchmarks and the fault suite both count with it.
 */
public final class DeliveryRecorder {

    private final Recorder latencyMicros = new Recorder(3);
    private final ConcurrentHashMap<Integer, DeviceState> devices = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong lastReceiveNanos = new AtomicLong();
    private final List<String> outOfOrderSamples = new CopyOnWriteArrayList<>();

    public void record(int device, int sequence, long sentNanos) {
        record(device, sequence, sentNanos, "");
    }

    /** As {@link #record(int, int, long)}; {@code where} (e.g. partition and offset) is kept with an out-of-order one. */
    public void record(int device, int sequence, long sentNanos, String where) {
        long now = System.nanoTime();
        latencyMicros.recordValue(Math.max(0, (now - sentNanos) / 1000));
        received.incrementAndGet();
        lastReceiveNanos.accumulateAndGet(now, Math::max);
        DeviceState state = devices.computeIfAbsent(device, d -> new DeviceState());
        synchronized (state) {
            if (state.seen.get(sequence)) {
                duplicated.incrementAndGet();
                return;
            }
            state.seen.set(sequence);
            if (sequence < state.highest) {
                outOfOrder.incrementAndGet();
                if (outOfOrderSamples.size() < 10) {
                    outOfOrderSamples.add(
                            "device " + device + " #" + sequence + " after #" + state.highest + " " + where);
                }
            }
            state.highest = Math.max(state.highest, sequence);
        }
    }

    public long distinct() {
        return received.get() - duplicated.get();
    }

    public long received() {
        return received.get();
    }

    public long duplicated() {
        return duplicated.get();
    }

    public long outOfOrder() {
        return outOfOrder.get();
    }

    /** The first few messages that arrived after a later one of their device, for the report. */
    public List<String> outOfOrderSamples() {
        return List.copyOf(outOfOrderSamples);
    }

    /** Whether message {@code sequence} of {@code device} arrived at least once. */
    public boolean contains(int device, int sequence) {
        DeviceState state = devices.get(device);
        if (state == null) {
            return false;
        }
        synchronized (state) {
            return state.seen.get(sequence);
        }
    }

    public LoadResult result(String name, long sent, long firstSendNanos) {
        var histogram = latencyMicros.getIntervalHistogram();
        double seconds = (lastReceiveNanos.get() - firstSendNanos) / 1e9;
        return new LoadResult(
                name,
                sent,
                received.get(),
                sent - distinct(),
                duplicated.get(),
                outOfOrder.get(),
                distinct() / seconds,
                histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0,
                histogram.getMaxValue() / 1000.0);
    }

    private static final class DeviceState {
        final BitSet seen = new BitSet();
        int highest = -1;
    }
}
