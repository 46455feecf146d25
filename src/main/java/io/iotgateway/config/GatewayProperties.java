package io.iotgateway.config;

import io.iotgateway.telemetry.TopicTemplate;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Everything under {@code gateway.*}. Bound and validated at start-up so a bad value stops the application with the
 * property name and what was expected, instead of failing later on the first message.
 */
@Validated
@ConfigurationProperties("gateway")
public record GatewayProperties(
        @Valid @NotNull Mqtt mqtt,
        @Valid @NotNull Topics topics,
        @Valid @NotNull Ingest ingest,
        @Valid @NotNull Persistence persistence,
        @Valid @NotNull Errors errors,
        List<@Valid @NotNull FamilyProperties> families) {

    public GatewayProperties {
        families = families == null ? List.of() : List.copyOf(families);
    }

    public record Mqtt(
            @NotBlank(message = "must be a broker URL such as tcp://localhost:1883 or ssl://broker:8883")
                    @Pattern(
                            regexp = "(tcp|ssl|ws|wss)://.+",
                            message = "must be a broker URL such as tcp://localhost:1883 or ssl://broker:8883")
                    String brokerUrl,
            String username,
            String password,
            @NotBlank
                    @Pattern(
                            regexp = "[A-Za-z0-9._-]{1,40}",
                            message = "must be 1-40 characters of letters, digits, '.', '_' or '-'")
                    String clientId,
            @Pattern(regexp = "[A-Za-z0-9._-]*", message = "must be empty or letters, digits, '.', '_' or '-'")
                    String sharedGroup,
            @NotNull @Min(value = 1, message = "must be at least 1 second so the session survives a restart")
                    Long sessionExpirySeconds,
            @NotNull @Min(1) Integer receiveMaximum,
            // Name of a Spring Boot SSL bundle (spring.ssl.bundle.*) with the CA that signed the broker's certificate
            // and,
            // for mutual TLS, the gateway's client certificate; empty: the JVM's default trust store. See MqttTls.
            String sslBundle) {}

    public record Topics(
            @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                    String telemetry,
            @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                    String deadLetter,
            @NotBlank @Pattern(regexp = TopicTemplate.KAFKA_TOPIC_NAME, message = "must be a Kafka topic name")
                    String alerts) {}

    public record Ingest(
            @NotNull @Min(value = 1, message = "must be a positive number of bytes") Integer maxPayloadBytes,
            @NotNull @Min(value = 1024, message = "must be at least 1024 bytes and below the Kafka max.request.size")
                    Integer deadLetterMaxBytes) {}

    public record Persistence(
            boolean enabled,
            @NotBlank String groupId,
            @NotBlank String collection,
            @NotNull @Min(1) Integer batchSize) {}

    public record Errors(
            @NotNull @Min(value = 0, message = "must be 0 or more") Integer maxRedeliveries,
            @NotNull @Min(value = -1, message = "must be -1 (retry until it succeeds) or more")
                    Integer transientMaxRedeliveries,
            @NotNull Duration redeliveryDelay,
            @NotNull Duration maxRedeliveryDelay) {}
}
