package io.iotgateway.analytics;

/**
 * Count, sum, minimum, maximum and latest value of one sensor's readings in a window or session. Mutable and with
 * public fields because it only lives inside the state stores (as JSON) and the aggregators.
 */
final class Stats {

    public long count;
    public double sum;
    public double min = Double.POSITIVE_INFINITY;
    public double max = Double.NEGATIVE_INFINITY;
    /** Value of the reading with the latest event time (the last to arrive among equal times). */
    public double last;

    public long lastAt = Long.MIN_VALUE;

    void add(double value, long at) {
        count++;
        sum += value;
        min = Math.min(min, value);
        max = Math.max(max, value);
        if (at >= lastAt) {
            last = value;
            lastAt = at;
        }
    }

    static Stats merge(Stats a, Stats b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        Stats merged = new Stats();
        merged.count = a.count + b.count;
        merged.sum = a.sum + b.sum;
        merged.min = Math.min(a.min, b.min);
        merged.max = Math.max(a.max, b.max);
        Stats later = b.lastAt >= a.lastAt ? b : a;
        merged.last = later.last;
        merged.lastAt = later.lastAt;
        return merged;
    }

    double avg() {
        return count == 0 ? 0 : sum / count;
    }
}
