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

    /**
     * @param rateLimit allowance of each device (per family); a family may set its own
     * @param rateLimitTrackedDevices most devices whose allowance is remembered at once (bounds the memory)
     * @param identityProperty MQTT 5 user property in which the broker passes the authenticated device id; when set,
     *     it must be present exactly once and equal the message's device id (blank: no check); a family may override
     * @param lanes threads that validate, map and publish device messages, each device always on the same one; 0: on
     *     the MQTT client's thread; absent: {@link #defaultLanes(int) chosen by the cores}
     */
    public record Ingest(
            @NotNull @Min(value = 1, message = "must be a positive number of bytes") Integer maxPayloadBytes,
            @NotNull @Min(value = 1024, message = "must be at least 1024 bytes and below the Kafka max.request.size")
                    Integer deadLetterMaxBytes,
            @Valid @NotNull RateLimit rateLimit,
            @NotNull @Min(value = 1, message = "must be at least 1 device") Integer rateLimitTrackedDevices,
            String identityProperty,
            @Min(value = 0, message = "must be 0 (on the MQTT client's thread) or a number of threads") Integer lanes) {

        /** The lanes configured, or when none is, those {@link #defaultLanes(int)} gives for this machine. */
        public int laneCount() {
            return lanes != null ? lanes : defaultLanes(Runtime.getRuntime().availableProcessors());
        }

        /**
         * None on two cores or fewer: there, handing each message to a lane cost more than the lane's thread gained
         * (docs/benchmarks.md, 2026-12-07, four runs each way: ingest only 85-132 ms of CPU per 1,000 messages
         * without lanes, 109-168 with two). The MQTT client's receiving and callback threads, the Kafka client's I/O
         * thread and each family's own connection still spread the work. With more cores, two lanes, so one
         * subscription's work is not bound to one thread.
         */
        static int defaultLanes(int processors) {
            return processors <= 2 ? 0 : 2;
        }
    }

    /**
     * A token bucket per device: {@code perDevice} messages per second on average, up to {@code burst} at once.
     *
     * @param perDevice messages per second; 0 turns the limit off
     * @param burst bucket size (messages a device may send at once); 0 or absent: one second's worth
     */
    public record RateLimit(
            @NotNull @Min(value = 0, message = "must be 0 (off) or a number of messages per second") Integer perDevice,
            @Min(value = 0, message = "must be 0 (one second's worth) or a number of messages") Integer burst) {

        public boolean enabled() {
            return perDevice > 0;
        }

        public int capacity() {
            return burst == null || burst == 0 ? perDevice : burst;
        }
    }

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
            @NotNull Duration maxRedeliveryDelay,
            @NotBlank String replayCollection,
            @NotNull @Min(value = 1, message = "must be at least 1") Integer replayMaxRecords) {}
}
