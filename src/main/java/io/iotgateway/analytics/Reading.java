package io.iotgateway.analytics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The part of a canonical telemetry record the analytics use.
 *
 * @param timestamp the device's event time, or null when the record has no valid one (it is then skipped)
 * @param placeId from {@code metadata.placeId} (environment family), null when the record has no place
 */
record Reading(String deviceId, String sensorType, double value, Instant timestamp, String family, String placeId) {

    /** The reading, or null when the bytes are not a canonical record with device, sensor type and value. */
    static Reading parse(ObjectMapper json, byte[] body) {
        if (body == null) {
            return null;
        }
        JsonNode record;
        try {
            record = json.readTree(body);
        } catch (IOException e) {
            return null;
        }
        if (record == null
                || !record.path("deviceId").isTextual()
                || !record.path("sensorType").isTextual()
                || !record.path("value").isNumber()) {
            return null;
        }
        JsonNode place = record.path("metadata").path("placeId");
        return new Reading(
                record.get("deviceId").asText(),
                record.get("sensorType").asText(),
                record.get("value").asDouble(),
                instant(record.path("timestamp")),
                record.path("family").isTextual() ? record.get("family").asText() : null,
                place.isTextual() && !place.asText().isBlank() ? place.asText() : null);
    }

    private static Instant instant(JsonNode timestamp) {
        if (!timestamp.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(timestamp.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
