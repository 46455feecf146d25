package io.iotgateway.ingest;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MqttDevice;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A device publishing far above its allowance is limited, and only it: its excess is dead-lettered as rate-limited
 * (never dropped), while a quiet device of the same family, publishing at the same time, gets every message through.
 * The family sets its own low limit, so the shared test context's generous default stays in force for other tests.
 */
class RateLimitIT extends GatewayIntegrationTest {

    private static final int PER_SECOND = 5;
    private static final int BURST = 10;
    private static final int NOISY_MESSAGES = 300;
    private static final int QUIET_MESSAGES = BURST;
    private static final String DLQ = "device.telemetry.dlq";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    MeterRegistry meters;

    @Test
    void aNoisyDeviceIsLimitedWithoutStarvingAQuietOne() throws Exception {
        String run = uniqueId("rl");
        String name = "throttled-" + run.substring(3);
        String yaml =
                """
                topic: %s/{deviceId}/telemetry
                schema: classpath:schemas/families/devices.schema.json
                timestamp-field: timestamp
                rate-limit: { per-device: %d, burst: %d }
                readings:
                  - sensor-type-field: sensorType
                    value-field: value
                """
                        .formatted(name, PER_SECOND, BURST);
        double limitedBefore = deadLetters("rate-limited");
        try (TemporaryFamily family = TemporaryFamily.create(camel, name, yaml)) {
            String noisy = run + "-noisy";
            String quiet = run + "-quiet";
            // the quiet device sends within its burst, on its own connection, while the noisy one floods
            CompletableFuture<Void> quietDevice = CompletableFuture.runAsync(() -> {
                try (MqttDevice other = new MqttDevice(MQTT_URL)) {
                    for (int i = 0; i < QUIET_MESSAGES; i++) {
                        other.publish(name + "/" + quiet + "/telemetry", payload(i));
                    }
                }
            });
            for (int i = 0; i < NOISY_MESSAGES; i++) {
                device.publish(name + "/" + noisy + "/telemetry", payload(i));
            }
            quietDevice.get(60, TimeUnit.SECONDS);

            // every quiet message is delivered, to Kafka and MongoDB, and none is limited
            assertThat(KAFKA.awaitKey("device.telemetry", quiet, QUIET_MESSAGES))
                    .hasSize(QUIET_MESSAGES);
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(sensorData().countDocuments(eq("deviceId", quiet)))
                            .isEqualTo(QUIET_MESSAGES));
            assertThat(KAFKA.read(DLQ, r -> quiet.equals(r.key()))).isEmpty();

            // every noisy message is accounted for: accepted, or in the dead-letter topic as rate-limited
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> KAFKA.read("device.telemetry", r -> noisy.equals(r.key()))
                                            .size()
                                    + KAFKA.read(DLQ, r -> noisy.equals(r.key()))
                                            .size()
                            >= NOISY_MESSAGES);
            Set<Integer> accepted = sequences(KAFKA.read("device.telemetry", r -> noisy.equals(r.key())));
            List<ConsumerRecord<String, byte[]>> limited = KAFKA.read(DLQ, r -> noisy.equals(r.key()));
            Set<Integer> limitedSequences = new HashSet<>();
            for (ConsumerRecord<String, byte[]> record : limited) {
                assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("rate-limited");
                assertThat(KafkaProbe.header(record, "x-error-detail"))
                        .isEqualTo("device '" + noisy + "' sends more than " + PER_SECOND
                                + " messages per second (burst " + BURST + ")");
                assertThat(KafkaProbe.header(record, "x-family")).isEqualTo(name);
                limitedSequences.add(JSON.readTree(record.value()).get("value").asInt());
            }
            assertThat(accepted.size() + limited.size())
                    .as("accepted + rate-limited == sent")
                    .isEqualTo(NOISY_MESSAGES);
            Set<Integer> all = new HashSet<>(accepted);
            all.addAll(limitedSequences);
            assertThat(all).isEqualTo(IntStream.range(0, NOISY_MESSAGES).boxed().collect(Collectors.toSet()));
            // a full bucket takes the first burst; the flood goes far beyond what refills meanwhile
            assertThat(accepted).containsAll(IntStream.range(0, BURST).boxed().toList());
            assertThat(limited).isNotEmpty();
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(sensorData().countDocuments(eq("deviceId", noisy)))
                            .isEqualTo(accepted.size()));
            assertThat(deadLetters("rate-limited")).isGreaterThanOrEqualTo(limitedBefore + limited.size());
        }
    }

    private static String payload(int sequence) {
        return "{\"sensorType\":\"seq\",\"value\":" + sequence + ",\"timestamp\":" + (1_763_320_000L + sequence) + "}";
    }

    private static Set<Integer> sequences(List<ConsumerRecord<String, byte[]>> records) throws Exception {
        Set<Integer> sequences = new HashSet<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            int sequence = JSON.readTree(new String(record.value(), StandardCharsets.UTF_8))
                    .get("value")
                    .asInt();
            assertThat(sequences.add(sequence))
                    .as("sequence " + sequence + " once")
                    .isTrue();
        }
        return sequences;
    }

    private double deadLetters(String reason) {
        var counter = meters.find("gateway.dead.letters").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }
}
