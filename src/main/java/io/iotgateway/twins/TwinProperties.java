package io.iotgateway.twins;

import io.iotgateway.telemetry.TopicTemplate;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.twins.*}: where twins are kept and how hard the gateway tries to bring a device to its desired state.
 *
 * @param topic compacted Kafka topic with the latest twin of each device, keyed by device id
 * @param commandNames the command name sent for a component's desired value (others get {@code defaultCommand})
 * @param retryBackoff wait after the first command for a value before the next one; doubles per command
 * @param retryBackoffMax the longest wait between two commands for the same value
 * @param sweepInterval how often open twins are reconciled and unpublished ones sent to Kafka again
 */
@Validated
@ConfigurationProperties("gateway.twins")
public record TwinProperties(
        boolean enabled,
        @NotBlank String collection,
        @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                String topic,
        @NotBlank String groupId,
        Map<String, String> commandNames,
        @NotBlank String defaultCommand,
        @NotNull Duration retryBackoff,
        @NotNull Duration retryBackoffMax,
        @NotNull Duration sweepInterval) {

    public TwinProperties {
        commandNames = commandNames == null ? Map.of() : Map.copyOf(commandNames);
    }

    String commandFor(String component) {
        return commandNames.getOrDefault(component, defaultCommand);
    }
}
