package io.iotgateway.analytics;

import io.iotgateway.telemetry.TopicTemplate;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.analytics.*}: the stream analytics (windowed aggregates, workout sessions) over the canonical
 * telemetry topic.
 *
 * @param applicationId the Kafka Streams application id: consumer group, transactional ids and the prefix of the
 *     internal changelog/repartition topics. Replicas share it; changing it starts the analytics from scratch.
 * @param window size of the tumbling windows
 * @param allowedLateness how long after a window's end (in event time) a late record still counts
 * @param sessionIdle a workout session ends after this much event time without telemetry from its device
 * @param sessionFamily the device family whose devices have workout sessions (the bikes)
 * @param commitInterval how often results are committed, which is also how soon a closed window is visible
 */
@Validated
@ConfigurationProperties("gateway.analytics")
public record AnalyticsProperties(
        boolean enabled,
        @NotBlank
                @Pattern(
                        regexp = "[A-Za-z0-9._-]{1,100}",
                        message = "must be 1-100 characters of letters, digits, '.', '_' or '-'")
                String applicationId,
        @NotBlank(message = "must list Kafka brokers such as localhost:9092") String bootstrapServers,
        @NotNull @DurationMin(seconds = 1, message = "must be a duration of at least 1s, e.g. 5m") Duration window,
        @NotNull @DurationMin(seconds = 0, message = "must be a duration of 0s or more, e.g. 1m")
                Duration allowedLateness,
        @NotNull @DurationMin(seconds = 1, message = "must be a duration of at least 1s, e.g. 5m") Duration sessionIdle,
        @NotBlank String sessionFamily,
        @NotNull @DurationMin(millis = 10, message = "must be a duration of at least 10ms, e.g. 100ms")
                Duration commitInterval,
        @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                String sensorTopic,
        @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                String placeTopic,
        @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                String sessionTopic,
        @NotBlank String sensorCollection,
        @NotBlank String placeCollection,
        @NotBlank String sessionCollection,
        @NotBlank String groupId,
        @NotNull @Min(1) Integer batchSize) {}
