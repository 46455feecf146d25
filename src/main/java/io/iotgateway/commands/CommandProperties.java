package io.iotgateway.commands;

import io.iotgateway.telemetry.TopicTemplate;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.commands.*}: which actuator components exist with their value ranges, the topics commands and
 * reports travel on, and how long a device has to report back.
 */
@Validated
@ConfigurationProperties("gateway.commands")
public record CommandProperties(
        boolean enabled,
        @NotEmpty Map<String, @Valid @NotNull Component> components,
        @NotNull Duration timeout,
        @NotBlank @Pattern(regexp = MQTT_TEMPLATE, message = MQTT_TEMPLATE_MESSAGE) String mqttCommandTopic,
        @NotBlank @Pattern(regexp = MQTT_TEMPLATE, message = MQTT_TEMPLATE_MESSAGE) String mqttReportTopic,
        @NotBlank String kafkaCommandTopic,
        @NotBlank String kafkaCommandTopicTemplate,
        @NotBlank String kafkaReportTopicTemplate,
        @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                String statusTopic,
        @NotBlank String groupId,
        @NotBlank String collection,
        @NotNull Duration topicDiscoveryInterval,
        @NotNull Duration sweepInterval,
        @Min(1) @Max(64) int reportLanes) {

    static final String MQTT_TEMPLATE = "[^+#]*\\{deviceId}[^+#]*\\{component}[^+#]*";
    static final String MQTT_TEMPLATE_MESSAGE =
            "must be an MQTT topic with {deviceId} then {component} and no wildcards, e.g."
                    + " devices/{deviceId}/commands/{component}";
    private static final List<String> VARIABLES = List.of("deviceId", "component");

    @AssertTrue(message = "must contain {deviceId} and {component} and otherwise only Kafka topic-name characters")
    boolean isKafkaCommandTopicTemplateValid() {
        return isKafkaTemplate(kafkaCommandTopicTemplate);
    }

    @AssertTrue(message = "must contain {deviceId} and {component} and otherwise only Kafka topic-name characters")
    boolean isKafkaReportTopicTemplateValid() {
        return isKafkaTemplate(kafkaReportTopicTemplate);
    }

    private static boolean isKafkaTemplate(String template) {
        return template != null
                && TopicTemplate.variables(template).equals(VARIABLES)
                && TopicTemplate.isKafkaTopic(
                        TopicTemplate.VARIABLE.matcher(template).replaceAll("x"));
    }

    /** An actuator component such as a fan, and the values its commands may carry. */
    public record Component(@NotNull Double min, @NotNull Double max) {

        @AssertTrue(message = "min must not be greater than max")
        boolean isRangeValid() {
            return min == null || max == null || min <= max;
        }
    }
}
