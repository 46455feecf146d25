package io.iotgateway.analytics;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.telemetry.Instants;
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

    /**
     * The reading, or null when the bytes are not a canonical record with device, sensor type and value. Read as a
     * stream of tokens, picking the six fields: every record passes here, and a tree of the whole record is not needed.
     */
    static Reading parse(ObjectMapper json, byte[] body) {
        if (body == null) {
            return null;
        }
        try (JsonParser parser = json.getFactory().createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String deviceId = null;
            String sensorType = null;
            Double value = null;
            Instant timestamp = null;
            String family = null;
            String placeId = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken token = parser.nextToken();
                switch (field) {
                    case "deviceId" -> deviceId = token == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "sensorType" -> sensorType = token == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "value" -> value = token.isNumeric() ? parser.getDoubleValue() : null;
                    case "timestamp" -> timestamp = token == JsonToken.VALUE_STRING ? instant(parser.getText()) : null;
                    case "family" -> family = token == JsonToken.VALUE_STRING ? parser.getText() : null;
                    case "metadata" -> placeId = token == JsonToken.START_OBJECT ? placeId(parser) : skip(parser);
                    default -> parser.skipChildren();
                }
            }
            if (deviceId == null || sensorType == null || value == null) {
                return null;
            }
            return new Reading(deviceId, sensorType, value, timestamp, family, placeId);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code placeId} of the metadata object the parser is at, or null; leaves the parser at its end. */
    private static String placeId(JsonParser parser) throws IOException {
        String placeId = null;
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String field = parser.currentName();
            JsonToken token = parser.nextToken();
            if ("placeId".equals(field)
                    && token == JsonToken.VALUE_STRING
                    && !parser.getText().isBlank()) {
                placeId = parser.getText();
            } else {
                parser.skipChildren();
            }
        }
        return placeId;
    }

    private static String skip(JsonParser parser) throws IOException {
        parser.skipChildren();
        return null;
    }

    private static Instant instant(String timestamp) {
        try {
            return Instants.parse(timestamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
