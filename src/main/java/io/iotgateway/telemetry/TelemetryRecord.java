package io.iotgateway.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The canonical telemetry record every device family is mapped to, as published to {@code device.telemetry} and
 * stored in {@code sensorData}. Its JSON form is specified by {@code schemas/telemetry-record.schema.json} and written
 * by {@link TelemetryRecordSerializer}: the schema's field order, null fields left out, instants as
 * {@link Instant#toString()}.
 *
 * @param messageId stable id: the same device message always yields the same id, so redelivery stores nothing twice
 * @param timestamp device time, or {@code receivedAt} when the device sent none
 * @param metadata every payload field the family mapping does not name, plus extra topic variables
 */
@JsonSerialize(using = TelemetryRecordSerializer.class)
public record TelemetryRecord(
        String messageId,
        String deviceId,
        String sensorType,
        double value,
        String unit,
        Instant timestamp,
        Instant receivedAt,
        String family,
        String sourceTopic,
        ObjectNode metadata) {
    /** This record's JSON, as {@code json} writes it (the canonical record on {@code device.telemetry}). */
    public byte[] toJson(ObjectMapper json) {
        return TelemetryRecordSerializer.bytes(this, json);
    }
}
