package io.iotgateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.Identifiers;
import io.iotgateway.telemetry.MessageIds;
import io.iotgateway.telemetry.TelemetryRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Maps a schema-valid payload of a family to canonical records, one per configured reading. Pure logic. */
final class TelemetryMapper {

    private static final double EPOCH_SECONDS_LIMIT = 1e11; // larger numbers are epoch milliseconds

    private TelemetryMapper() {}

    /**
     * @param messageKey an id the device gave the message (MQTT 5 user property), or null
     * @throws MessageRejectedException with the precise reason when the payload cannot be mapped
     */
    static List<TelemetryRecord> map(
            FamilyCatalog.Match match,
            String topic,
            JsonNode payload,
            byte[] raw,
            String messageKey,
            Instant receivedAt) {
        FamilyProperties family = match.family().properties();
        Map<String, String> variables = match.variables();
        String deviceId = deviceId(family, variables, payload);

        JsonNode timestampNode = field(payload, family.timestampField());
        Instant timestamp = timestampNode == null ? receivedAt : timestamp(family.timestampField(), timestampNode);

        Set<String> consumed = new HashSet<>();
        addIfPresent(consumed, family.deviceIdField());
        addIfPresent(consumed, family.timestampField());
        addIfPresent(consumed, family.metadataField());
        for (FamilyProperties.Reading reading : family.readings()) {
            addIfPresent(consumed, reading.valueField());
            addIfPresent(consumed, reading.sensorTypeField());
            addIfPresent(consumed, reading.unitField());
        }
        ObjectNode metadata = metadata(family, variables, payload, consumed);

        List<TelemetryRecord> records = new ArrayList<>(family.readings().size());
        for (FamilyProperties.Reading reading : family.readings()) {
            String sensorType = sensorType(reading, variables, payload);
            double value = value(reading.valueField(), payload);
            String unit = reading.unit() != null ? reading.unit() : text(field(payload, reading.unitField()));
            String messageId = messageId(topic, sensorType, raw, messageKey, timestampNode != null);
            records.add(new TelemetryRecord(
                    messageId,
                    deviceId,
                    sensorType,
                    value,
                    unit,
                    timestamp,
                    receivedAt,
                    family.name(),
                    topic,
                    metadata));
        }
        return records;
    }

    private static String deviceId(FamilyProperties family, Map<String, String> variables, JsonNode payload) {
        String fromTopic = variables.get("deviceId");
        JsonNode fromPayloadNode = field(payload, family.deviceIdField());
        String fromPayload = fromPayloadNode == null ? null : fromPayloadNode.asText();
        if (fromTopic != null && fromPayload != null && !fromTopic.equals(fromPayload)) {
            throw new MessageRejectedException(
                    RejectReason.DEVICE_ID_MISMATCH,
                    "topic is for device '" + fromTopic + "' but payload field '" + family.deviceIdField() + "' says '"
                            + abbreviate(fromPayload) + "'");
        }
        String deviceId = fromTopic != null ? fromTopic : fromPayload;
        if (deviceId == null) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION, "$." + family.deviceIdField() + ": device id is missing");
        }
        if (!Identifiers.isValid(deviceId)) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION,
                    "device id '" + abbreviate(deviceId)
                            + "' is invalid: expected 1-128 letters, digits, '.', '_' or '-'");
        }
        return deviceId;
    }

    private static String sensorType(
            FamilyProperties.Reading reading, Map<String, String> variables, JsonNode payload) {
        String sensorType = reading.sensorType();
        if (sensorType == null && reading.sensorTypeField() != null) {
            sensorType = text(field(payload, reading.sensorTypeField()));
            if (sensorType == null || sensorType.isBlank()) {
                throw new MessageRejectedException(
                        RejectReason.SCHEMA_VIOLATION, "$." + reading.sensorTypeField() + ": sensor type is missing");
            }
        }
        if (sensorType == null) {
            sensorType = variables.get("sensorType");
        }
        if (!Identifiers.isValid(sensorType)) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION,
                    "sensor type '" + abbreviate(sensorType)
                            + "' is invalid: expected 1-128 letters, digits, '.', '_' or '-'");
        }
        return sensorType;
    }

    private static double value(String valueField, JsonNode payload) {
        JsonNode node = field(payload, valueField);
        if (node == null || !node.isNumber()) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION, "$." + valueField + ": expected a number");
        }
        double value = node.doubleValue();
        if (!Double.isFinite(value)) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION, "$." + valueField + ": expected a finite number");
        }
        return value;
    }

    static Instant timestamp(String fieldName, JsonNode node) {
        try {
            if (node.isNumber()) {
                double number = node.doubleValue();
                if (!Double.isFinite(number) || number < 0) {
                    throw new IllegalArgumentException("not a non-negative finite number");
                }
                long millis = number < EPOCH_SECONDS_LIMIT ? Math.round(number * 1000) : Math.round(number);
                return Instant.ofEpochMilli(millis);
            }
            if (node.isTextual()) {
                return OffsetDateTime.parse(node.textValue()).toInstant();
            }
        } catch (DateTimeParseException | IllegalArgumentException | ArithmeticException e) {
            // fall through to the reject below
        }
        throw new MessageRejectedException(
                RejectReason.SCHEMA_VIOLATION,
                "$." + fieldName + ": expected epoch seconds, epoch milliseconds or an ISO-8601 date-time");
    }

    private static ObjectNode metadata(
            FamilyProperties family, Map<String, String> variables, JsonNode payload, Set<String> consumed) {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        JsonNode declared = field(payload, family.metadataField());
        if (declared != null && declared.isObject()) {
            metadata.setAll((ObjectNode) declared);
        } else if (declared != null && !declared.isNull()) {
            metadata.set(family.metadataField(), declared);
        }
        payload.fields().forEachRemaining(entry -> {
            if (!consumed.contains(entry.getKey())) {
                metadata.set(entry.getKey(), entry.getValue());
            }
        });
        variables.forEach((name, value) -> {
            if (!name.equals("deviceId") && !name.equals("sensorType")) {
                metadata.put(name, value);
            }
        });
        return metadata;
    }

    /**
     * The same device message yields the same id, so a redelivery (MQTT or Kafka) never stores a second document. A
     * payload without a device timestamp or message id has nothing that tells two identical readings apart, so it
     * gets a fresh id: such devices should send a timestamp.
     */
    private static String messageId(String topic, String sensorType, byte[] raw, String messageKey, boolean timed) {
        if (messageKey == null && !timed) {
            return UUID.randomUUID().toString();
        }
        return MessageIds.of(
                topic,
                String.valueOf(sensorType),
                messageKey != null ? messageKey.getBytes(StandardCharsets.UTF_8) : raw);
    }

    private static JsonNode field(JsonNode payload, String name) {
        if (name == null) {
            return null;
        }
        JsonNode node = payload.get(name);
        return node == null || node.isNull() ? null : node;
    }

    private static String text(JsonNode node) {
        return node == null ? null : node.asText();
    }

    private static void addIfPresent(Set<String> set, String value) {
        if (value != null) {
            set.add(value);
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
