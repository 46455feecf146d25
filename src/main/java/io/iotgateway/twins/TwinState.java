package io.iotgateway.twins;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One device's twin as a value, and the rules that change it: a merge patch of the desired values, a reported value,
 * the command attempts that drive the delta to zero. No I/O, so the rules are unit-tested on their own.
 *
 * @param version the public version: increments when desired or reported values change (If-Match, ETag)
 * @param revision increments on every write, bookkeeping of attempts included (the store's conditional updates)
 * @param attempts per component, the last command sent for it
 */
record TwinState(
        String deviceId,
        long version,
        long revision,
        Map<String, Double> desired,
        Map<String, Double> reported,
        Map<String, Instant> desiredAt,
        Map<String, Instant> reportedAt,
        Map<String, Attempt> attempts) {

    /**
     * A command sent to close a component's delta.
     *
     * @param count commands sent for the current desired value, for the back-off
     * @param notBefore no further command for this component before this time (null: at once)
     */
    record Attempt(String commandId, double value, int count, Instant sentAt, Instant notBefore) {}

    TwinState {
        desired = sorted(desired);
        reported = sorted(reported);
        desiredAt = sorted(desiredAt);
        reportedAt = sorted(reportedAt);
        attempts = sorted(attempts);
    }

    static TwinState empty(String deviceId) {
        return new TwinState(deviceId, 0, 0, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** Desired values the device has not reported (yet): the desired value for each such component. */
    Map<String, Double> delta() {
        Map<String, Double> delta = new TreeMap<>();
        desired.forEach((component, value) -> {
            if (!same(value, reported.get(component))) {
                delta.put(component, value);
            }
        });
        return Collections.unmodifiableMap(delta);
    }

    boolean isOpen() {
        return !delta().isEmpty();
    }

    /**
     * RFC 7386 merge patch of the desired values (a flat object: a number sets a component, null removes it). A
     * component whose desired value changes may be commanded at once: its back-off belongs to the old value.
     *
     * @param patch component -> value, or null to remove; values already validated
     * @return this when nothing changes
     */
    TwinState mergeDesired(Map<String, Double> patch, Instant now) {
        Map<String, Double> nextDesired = new TreeMap<>(desired);
        Map<String, Instant> nextAt = new TreeMap<>(desiredAt);
        Map<String, Attempt> nextAttempts = new TreeMap<>(attempts);
        boolean changed = false;
        for (Map.Entry<String, Double> entry : patch.entrySet()) {
            String component = entry.getKey();
            Double value = entry.getValue();
            if (value == null) {
                if (nextDesired.remove(component) != null) {
                    nextAt.remove(component);
                    changed = true;
                }
            } else if (!same(value, nextDesired.get(component))) {
                nextDesired.put(component, value);
                nextAt.put(component, now);
                Attempt last = nextAttempts.get(component);
                if (last != null) {
                    // keep the command id: while it is pending no second command goes out
                    nextAttempts.put(component, new Attempt(last.commandId(), last.value(), 0, last.sentAt(), null));
                }
                changed = true;
            }
        }
        if (!changed) {
            return this;
        }
        return new TwinState(deviceId, version + 1, revision, nextDesired, reported, nextAt, reportedAt, nextAttempts);
    }

    /**
     * The device reported {@code value} for {@code component}. A component whose delta this closes forgets its
     * attempts.
     *
     * @return this when the value is the one already reported
     */
    TwinState withReported(String component, double value, Instant at) {
        if (same(value, reported.get(component))) {
            return this;
        }
        Map<String, Double> nextReported = new TreeMap<>(reported);
        nextReported.put(component, value);
        Map<String, Instant> nextAt = new TreeMap<>(reportedAt);
        nextAt.put(component, at);
        Map<String, Attempt> nextAttempts = new TreeMap<>(attempts);
        if (same(value, desired.get(component))) {
            nextAttempts.remove(component);
        }
        return new TwinState(deviceId, version + 1, revision, desired, nextReported, desiredAt, nextAt, nextAttempts);
    }

    /** Bookkeeping only: the public version stays. */
    TwinState withAttempt(String component, Attempt attempt) {
        Map<String, Attempt> nextAttempts = new TreeMap<>(attempts);
        nextAttempts.put(component, attempt);
        return new TwinState(deviceId, version, revision, desired, reported, desiredAt, reportedAt, nextAttempts);
    }

    TwinState withRevision(long next) {
        return new TwinState(deviceId, version, next, desired, reported, desiredAt, reportedAt, attempts);
    }

    /** When a command may next be sent for one of the open components; empty when the delta is empty. */
    Optional<Instant> nextAttemptAt(Instant now) {
        return delta().keySet().stream()
                .map(component -> Optional.ofNullable(attempts.get(component))
                        .map(Attempt::notBefore)
                        .orElse(now))
                .min(Instant::compareTo);
    }

    /** Waiting time after the {@code count}-th command for the same value: base, doubling, at most max. */
    static Duration backoff(int count, Duration base, Duration max) {
        int doublings = Math.max(0, Math.min(count - 1, 30));
        Duration wait = base.multipliedBy(1L << doublings);
        return wait.compareTo(max) > 0 || wait.isNegative() ? max : wait;
    }

    static boolean same(Double a, Double b) {
        return a != null && b != null && Double.compare(a, b) == 0;
    }

    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return map == null || map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(map));
    }
}
