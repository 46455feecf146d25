package io.iotgateway.twins;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A twin as the API answers it and as the compacted topic carries it.
 *
 * @param metadata per component, when its desired and reported values last changed
 * @param pending per open component, the last command sent for it and when the next may go out
 */
@JsonPropertyOrder({"deviceId", "desired", "reported", "delta", "version", "metadata", "pending"})
public record Twin(
        String deviceId,
        Map<String, Double> desired,
        Map<String, Double> reported,
        Map<String, Double> delta,
        long version,
        Metadata metadata,
        Map<String, Pending> pending) {

    public record Metadata(Map<String, FieldTime> desired, Map<String, FieldTime> reported) {}

    public record FieldTime(Instant updatedAt) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Pending(String commandId, double value, int attempts, Instant sentAt, Instant nextAttemptAt) {}

    static Twin of(TwinState state) {
        Map<String, Pending> pending = new LinkedHashMap<>();
        state.delta().keySet().forEach(component -> {
            TwinState.Attempt attempt = state.attempts().get(component);
            if (attempt != null) {
                pending.put(
                        component,
                        new Pending(
                                attempt.commandId(),
                                attempt.value(),
                                attempt.count(),
                                attempt.sentAt(),
                                attempt.notBefore()));
            }
        });
        return new Twin(
                state.deviceId(),
                state.desired(),
                state.reported(),
                state.delta(),
                state.version(),
                new Metadata(times(state.desiredAt()), times(state.reportedAt())),
                pending);
    }

    private static Map<String, FieldTime> times(Map<String, Instant> at) {
        Map<String, FieldTime> times = new LinkedHashMap<>();
        at.forEach((component, instant) -> times.put(component, new FieldTime(instant)));
        return times;
    }
}
