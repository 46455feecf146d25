package io.iotgateway.benchmark;

import java.util.BitSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/** Counts what arrived per device: latency, duplicates, order. Thread-safe. */
final class DeliveryRecorder {

    private final Recorder latencyMicros = new Recorder(3);
    private final ConcurrentHashMap<Integer, DeviceState> devices = new ConcurrentHashMap<>();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong duplicated = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong lastReceiveNanos = new AtomicLong();

    void record(int device, int sequence, long sentNanos) {
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
            }
            state.highest = Math.max(state.highest, sequence);
        }
    }

    long distinct() {
        return received.get() - duplicated.get();
    }

    long received() {
        return received.get();
    }

    LoadResult result(String name, long sent, long firstSendNanos) {
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
