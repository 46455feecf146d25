package io.iotgateway.routing;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.iotgateway.config.AlertRuleProperties;
import io.iotgateway.telemetry.TelemetryRecord;
import java.time.Instant;

/** The record published to {@code device.alerts} when a threshold rule fires. */
@JsonPropertyOrder({
    "alertId",
    "rule",
    "deviceId",
    "sensorType",
    "value",
    "condition",
    "threshold",
    "timestamp",
    "messageId"
})
record Alert(
        String alertId,
        String rule,
        String deviceId,
        String sensorType,
        double value,
        String condition,
        double threshold,
        Instant timestamp,
        String messageId) {

    static Alert of(AlertRuleProperties rule, TelemetryRecord record) {
        boolean above = rule.above() != null;
        return new Alert(
                record.messageId() + ":" + rule.name(),
                rule.name(),
                record.deviceId(),
                record.sensorType(),
                record.value(),
                above ? "above" : "below",
                above ? rule.above() : rule.below(),
                record.timestamp(),
                record.messageId());
    }
}
