package io.iotgateway.analytics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A workout session on {@code bike.sessions}: {@code started} with its first reading, {@code ended} once no telemetry
 * came for the idle timeout (in event time), with the session's figures.
 *
 * @param sessionId deterministic from device and start, so both events and every replay name the same session
 * @param end time of the session's last reading; null while it runs
 * @param samples readings in the session, all sensors together
 * @param metrics per sensor type: its samples, average and maximum
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"event", "sessionId", "deviceId", "start", "end", "durationSeconds", "samples", "metrics"})
record SessionEvent(
        String event,
        String sessionId,
        String deviceId,
        Instant start,
        Instant end,
        Long durationSeconds,
        long samples,
        Map<String, Metric> metrics) {

    static final String STARTED = "started";
    static final String ENDED = "ended";

    record Metric(long samples, double avg, double max) {}

    static SessionEvent started(String deviceId, Instant start, SensorStats stats) {
        return new SessionEvent(
                STARTED, sessionId(deviceId, start), deviceId, start, null, null, stats.count, metrics(stats));
    }

    static SessionEvent ended(String deviceId, Instant start, Instant end, SensorStats stats) {
        return new SessionEvent(
                ENDED,
                sessionId(deviceId, start),
                deviceId,
                start,
                end,
                Duration.between(start, end).toSeconds(),
                stats.count,
                metrics(stats));
    }

    static String sessionId(String deviceId, Instant start) {
        return deviceId + ":" + start.toEpochMilli();
    }

    private static Map<String, Metric> metrics(SensorStats stats) {
        Map<String, Metric> metrics = new LinkedHashMap<>();
        stats.sensors.forEach((type, s) -> metrics.put(type, new Metric(s.count, s.avg(), s.max)));
        return metrics;
    }
}
