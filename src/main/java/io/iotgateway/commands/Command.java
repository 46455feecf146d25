package io.iotgateway.commands;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.Map;

/**
 * A command to one actuator component of one device, as stored in {@code controlCommands}, returned by the API and
 * announced on the status topic.
 *
 * @param source where it came from: http, websocket or kafka
 * @param state what the device reported it applied (its report without status and reason)
 * @param reason why it failed: the device's own words, or why it could not be delivered
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({
    "commandId",
    "deviceId",
    "component",
    "command",
    "value",
    "status",
    "source",
    "timestamp",
    "publishedAt",
    "deadline",
    "reportedAt",
    "roundTripMs",
    "state",
    "reason"
})
public record Command(
        String commandId,
        String deviceId,
        String component,
        String command,
        double value,
        CommandStatus status,
        String source,
        Instant timestamp,
        Instant publishedAt,
        Instant deadline,
        Instant reportedAt,
        Long roundTripMs,
        Map<String, Object> state,
        String reason) {

    Command withPublishedAt(Instant at) {
        return new Command(
                commandId,
                deviceId,
                component,
                command,
                value,
                status,
                source,
                timestamp,
                at,
                deadline,
                reportedAt,
                roundTripMs,
                state,
                reason);
    }

    static Command accepted(CommandRequest request, String source, Instant now, Instant deadline) {
        return new Command(
                request.commandId(),
                request.deviceId(),
                request.component(),
                request.command(),
                request.value(),
                CommandStatus.PENDING,
                source,
                now,
                null,
                deadline,
                null,
                null,
                null,
                null);
    }
}
