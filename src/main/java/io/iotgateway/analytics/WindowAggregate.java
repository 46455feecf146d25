package io.iotgateway.analytics;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;

/**
 * One closed window of one sensor type, of a device ({@code kind = sensor}) or of a place ({@code kind = place}), as
 * published to the aggregate topics and stored in MongoDB.
 *
 * @param windowEnd exclusive
 * @param last the value with the latest event time in the window
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
    "id",
    "kind",
    "deviceId",
    "placeId",
    "sensorType",
    "windowStart",
    "windowEnd",
    "count",
    "avg",
    "min",
    "max",
    "last"
})
record WindowAggregate(
        String id,
        String kind,
        String deviceId,
        String placeId,
        String sensorType,
        Instant windowStart,
        Instant windowEnd,
        long count,
        double avg,
        double min,
        double max,
        double last) {

    static final String SENSOR = "sensor";
    static final String PLACE = "place";

    static WindowAggregate of(String kind, String key, String sensorType, Instant start, Instant end, Stats stats) {
        // Deterministic: a replayed window overwrites its own document instead of adding one.
        String id = kind + ":" + key + ":" + sensorType + ":" + start;
        return new WindowAggregate(
                id,
                kind,
                SENSOR.equals(kind) ? key : null,
                PLACE.equals(kind) ? key : null,
                sensorType,
                start,
                end,
                stats.count,
                stats.avg(),
                stats.min,
                stats.max,
                stats.last);
    }
}
