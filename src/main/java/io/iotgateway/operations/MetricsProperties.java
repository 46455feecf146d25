package io.iotgateway.operations;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.metrics.*}.
 *
 * @param deviceLabel also count messages per device ({@code gateway_device_messages_total{device}}): one time series
 *     per device, so only for small fleets
 * @param lagInterval how often the persistence consumer's lag is measured
 * @param topicTemplates Kafka topics with a device in their name (fan-out, command reports): the {@code topic} label
 *     is the template, so the number of time series does not grow with the fleet
 */
@Validated
@ConfigurationProperties("gateway.metrics")
record MetricsProperties(boolean deviceLabel, @NotNull Duration lagInterval, List<String> topicTemplates) {

    MetricsProperties {
        topicTemplates = topicTemplates == null ? List.of() : List.copyOf(topicTemplates);
    }
}
