package io.iotgateway.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology on Kafka Streams' test driver: which stores it builds, and the per-record decisions. */
class AnalyticsTopologyTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");

    private final AnalyticsProperties properties = new AnalyticsProperties(
            true,
            "analytics-test",
            "unused:9092",
            Duration.ofMinutes(5),
            Duration.ofMinutes(1),
            Duration.ofMinutes(5),
            "bike",
            Duration.ofMillis(100),
            "by-sensor",
            "by-place",
            "sessions",
            "aggregatesBySensor",
            "aggregatesByPlace",
            "workoutSessions",
            "store",
            500);
    private final Counter skipped = Counter.builder("skipped").register(new SimpleMeterRegistry());
    private TopologyTestDriver driver;
    private TestInputTopic<String, String> telemetry;
    private TestOutputTopic<String, byte[]> bySensor;
    private TestOutputTopic<String, byte[]> sessions;

    @BeforeEach
    void start() {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "analytics-test");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        config.put(
                StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG,
                BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
        driver = new TopologyTestDriver(AnalyticsTopology.build(properties, "telemetry", JSON, skipped), config);
        telemetry = driver.createInputTopic("telemetry", new StringSerializer(), new StringSerializer());
        bySensor = driver.createOutputTopic("by-sensor", new StringDeserializer(), new ByteArrayDeserializer());
        sessions = driver.createOutputTopic("sessions", new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void everyStoreIsInMemorySoNoRocksDbIsCreated() {
        assertThat(driver.getAllStateStores()).isNotEmpty();
        driver.getAllStateStores()
                .forEach(
                        (name, store) -> assertThat(store.persistent()).as(name).isFalse());
    }

    @Test
    void recordWithoutValidTimestampIsSkippedAndCounted() {
        telemetry.pipeInput("d1", "{\"deviceId\":\"d1\",\"sensorType\":\"t\",\"value\":1}");
        telemetry.pipeInput("d1", "{\"deviceId\":\"d1\",\"sensorType\":\"t\",\"value\":1,\"timestamp\":\"yesterday\"}");
        telemetry.pipeInput("d1", "not json");
        assertThat(skipped.count()).isEqualTo(3);

        reading("d1", "t", 2, T0);
        reading("d1", "t", 3, T0.plus(Duration.ofMinutes(6)).plusMillis(1));
        List<JsonNode> windows = values(bySensor);
        assertThat(windows).hasSize(1);
        assertThat(windows.get(0).get("count").asLong()).isEqualTo(1);
        assertThat(windows.get(0).get("id").asText()).isEqualTo("sensor:d1:t:" + T0);
    }

    @Test
    void windowClosesWhenStreamTimeReachesItsEndPlusTheLateness() {
        reading("d1", "t", 2, T0);
        reading("d1", "t", 3, T0.plus(Duration.ofMinutes(6)).minusMillis(1)); // just before end + lateness
        assertThat(bySensor.isEmpty()).isTrue();
        reading("d1", "t", 5, T0.plusSeconds(1)); // late, but within the lateness: counts
        reading("d1", "t", 4, T0.plus(Duration.ofMinutes(6))); // stream time reaches end + lateness
        List<JsonNode> closed = values(bySensor);
        assertThat(closed).hasSize(1);
        assertThat(closed.get(0).get("count").asLong()).isEqualTo(2);
        assertThat(closed.get(0).get("last").asDouble()).isEqualTo(5);
    }

    @Test
    void sessionStartsWithItsFirstReadingOnlyAndEndsOnce() {
        bike("b1", "heartrate", 100, T0);
        bike("b1", "heartrate", 110, T0.plusSeconds(60));
        bike(
                "b1",
                "heartrate",
                120,
                T0.plusSeconds(60).plus(Duration.ofMinutes(6)).plusMillis(1));
        List<JsonNode> events = values(sessions);
        assertThat(events)
                .extracting(e -> e.get("event").asText() + "@" + e.get("start").asText())
                .containsExactlyInAnyOrder(
                        "started@" + T0,
                        "ended@" + T0,
                        "started@" + T0.plusSeconds(420).plusMillis(1));
    }

    private void reading(String device, String sensorType, double value, Instant at) {
        telemetry.pipeInput(
                device,
                "{\"deviceId\":\"%s\",\"sensorType\":\"%s\",\"value\":%s,\"timestamp\":\"%s\",\"family\":\"devices\"}"
                        .formatted(device, sensorType, value, at));
    }

    private void bike(String device, String sensorType, double value, Instant at) {
        telemetry.pipeInput(
                device,
                "{\"deviceId\":\"%s\",\"sensorType\":\"%s\",\"value\":%s,\"timestamp\":\"%s\",\"family\":\"bike\"}"
                        .formatted(device, sensorType, value, at));
    }

    private static List<JsonNode> values(TestOutputTopic<String, byte[]> topic) {
        return topic.readValuesToList().stream()
                .map(bytes -> {
                    try {
                        return JSON.readTree(bytes);
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                })
                .toList();
    }
}
