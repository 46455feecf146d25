package io.iotgateway.deadletters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.RouteSources;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Processor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Every reject reason ends in device.telemetry.dlq with the original bytes and a precise reason; none is lost. */
class DeadLetterIT extends GatewayIntegrationTest {

    private static final String DLQ = "device.telemetry.dlq";

    @Autowired
    MeterRegistry meters;

    @Autowired
    GatewayProperties properties;

    @LocalServerPort
    int port;

    private GatewayProperties.Errors errors;

    @BeforeEach
    void errorPolicy() {
        errors = properties.errors();
    }

    @Test
    void notJson() {
        String id = uniqueId("nj");
        byte[] payload = {'{', '"', 'v', (byte) 0xC3, (byte) 0x28, '"', ':', '1'};
        device.publish("devices/" + id + "/telemetry", payload);

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(record.value()).isEqualTo(payload);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("not-json");
        assertThat(KafkaProbe.header(record, "x-error-detail")).startsWith("payload is not valid JSON");
        assertThat(KafkaProbe.header(record, "x-source-topic")).isEqualTo("devices/" + id + "/telemetry");
        assertThat(KafkaProbe.header(record, "x-received-at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(KafkaProbe.header(record, "x-family")).isEqualTo("devices");
    }

    @Test
    void nonStandardNumbersAreNotJson() {
        String id = uniqueId("nan");
        device.publish("devices/" + id + "/telemetry", "{\"sensorType\":\"t\",\"value\":NaN}");

        assertThat(KafkaProbe.header(deadLetter(id), "x-error-reason")).isEqualTo("not-json");
    }

    @Test
    void schemaViolationNamesTheField() {
        String id = uniqueId("sv");
        String payload = "{\"sensorType\":\"temperature\",\"value\":\"hot\"}";
        device.publish("devices/" + id + "/telemetry", payload);

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo(payload);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(record, "x-error-detail"))
                .contains("value")
                .contains("number");
    }

    @Test
    void missingRequiredField() {
        String id = uniqueId("mf");
        device.publish("bike/" + id + "/cadence", "{\"unitName\":\"RPM\"}");

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(record, "x-error-detail")).contains("value");
    }

    @Test
    void infiniteNumberIsASchemaViolation() {
        String id = uniqueId("inf");
        device.publish("bike/" + id + "/power", "{\"value\":1e999,\"timestamp\":1757841776}");

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(record, "x-error-detail")).isEqualTo("$.value: expected a finite number");
    }

    @Test
    void oversizedPayload() {
        String id = uniqueId("big");
        byte[] payload = new byte[64 * 1024 + 1];
        Arrays.fill(payload, (byte) 'x');
        device.publish("devices/" + id + "/telemetry", payload);

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(record.value()).isEqualTo(payload);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("payload-too-large");
        assertThat(KafkaProbe.header(record, "x-error-detail"))
                .isEqualTo("payload is 65537 bytes; the limit is 65536 bytes");
    }

    @Test
    void deviceMayNotSpeakForAnother() {
        String id = uniqueId("me");
        device.publish(
                "devices/" + id + "/telemetry", "{\"deviceId\":\"someone-else\",\"sensorType\":\"t\",\"value\":1}");

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("device-id-mismatch");
        assertThat(KafkaProbe.header(record, "x-error-detail"))
                .isEqualTo("topic is for device '" + id + "' but payload field 'deviceId' says 'someone-else'");
    }

    @Test
    void deeplyNestedPayloadIsRejectedBeforeItCanFailAStorageBatch() {
        String id = uniqueId("deep");
        String nested = "{\"a\":".repeat(40) + "1" + "}".repeat(40);
        device.publish(
                "devices/" + id + "/telemetry", "{\"sensorType\":\"t\",\"value\":1,\"metadata\":" + nested + "}");

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(record, "x-error-detail")).isEqualTo("payload nests deeper than 32 levels");
    }

    @Test
    void idsThatMakeAnImpossibleFanOutTopicAreRejected() {
        String id = uniqueId("long") + "x".repeat(110);
        String sensor = "s".repeat(128);
        device.publish("bike/" + id + "/" + sensor, "{\"value\":1,\"timestamp\":1757841776}");

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("schema-violation");
        // the check is in routes/seed-fan-out.camel.yaml now; the detail names it
        assertThat(KafkaProbe.header(record, "x-error-detail"))
                .contains("fanOutTopic")
                .doesNotContain("Exchange[");
    }

    @Test
    void topicOfNoFamily() {
        String id = uniqueId("uf");
        String topic = "bike/" + id + "/heartrate/extra";
        device.publish(topic, "{\"value\":1}");

        List<ConsumerRecord<String, byte[]>> records =
                KAFKA.awaitRecords(DLQ, r -> topic.equals(KafkaProbe.header(r, "x-source-topic")), 1);
        assertThat(KafkaProbe.header(records.get(0), "x-error-reason")).isEqualTo("unknown-family");
        assertThat(KafkaProbe.header(records.get(0), "x-error-detail")).contains("bike/{deviceId}/{sensorType}");
    }

    @Test
    void recordOnTheTelemetryTopicThatIsNotCanonicalIsDeadLetteredByPersistence() {
        String id = uniqueId("rec");
        KAFKA.send("device.telemetry", id, "{\"hello\":\"world\"}".getBytes(StandardCharsets.UTF_8));

        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("invalid-record");
        assertThat(KafkaProbe.header(record, "x-source-topic")).isEqualTo("device.telemetry");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"hello\":\"world\"}");
    }

    @Test
    void rejectsAreCountedByReason() {
        double before = count("not-json");
        String id = uniqueId("cnt");
        device.publish("devices/" + id + "/telemetry", "not json at all");
        deadLetter(id);

        assertThat(count("not-json")).isGreaterThanOrEqualTo(before + 1);
    }

    /**
     * A hook route that fails for a reason retrying cannot fix: tried 1 + max-redeliveries times, then the message is
     * dead-lettered with reason processing-failed and the failure named; the hook's later steps never run.
     */
    @Test
    void failingHookIsRetriedThenDeadLetteredAsProcessingFailed() {
        String id = uniqueId("pf");
        AtomicInteger attempts = new AtomicInteger();
        try (TemporaryHook hook = new TemporaryHook(id, exchange -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("hook cannot handle " + id);
        })) {
            String topic = "devices/" + id + "/telemetry";
            String payload = "{\"sensorType\":\"t\",\"value\":1,\"timestamp\":1763320419}";
            device.publish(topic, payload);

            ConsumerRecord<String, byte[]> record = deadLetter(id);
            assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo(payload);
            assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("processing-failed");
            assertThat(KafkaProbe.header(record, "x-error-detail"))
                    .isEqualTo("IllegalStateException: hook cannot handle " + id);
            assertThat(KafkaProbe.header(record, "x-source-topic")).isEqualTo(topic);
            assertThat(attempts).hasValue(1 + errors.maxRedeliveries());
            // the canonical record was written before the hooks ran; the hook's own write never happened
            assertThat(KAFKA.awaitKey("device.telemetry", id, 1)).hasSize(1);
            assertThat(KAFKA.read(hook.topic(), r -> true)).isEmpty();
        }
    }

    /**
     * The same hook failing with a broker connection refused: transient, so it is retried (as long as it takes) and the
     * message goes through once the hook works, instead of being dead-lettered.
     */
    @Test
    void hookFailingTransientlyIsRetriedAndDelivered() {
        String id = uniqueId("tf");
        AtomicInteger attempts = new AtomicInteger();
        // more failures than max-redeliveries: a non-transient failure would have been dead-lettered by then
        int failures = errors.maxRedeliveries() + 2;
        try (TemporaryHook hook = new TemporaryHook(id, exchange -> {
            if (attempts.incrementAndGet() <= failures) {
                throw new ConnectException("Connection refused (test " + id + ")");
            }
        })) {
            device.publish(
                    "devices/" + id + "/telemetry", "{\"sensorType\":\"t\",\"value\":2,\"timestamp\":1763320419}");

            List<ConsumerRecord<String, byte[]>> hooked = KAFKA.awaitKey(hook.topic(), id, 1);
            assertThat(attempts).hasValue(failures + 1);
            // a later message of the same device through the same hook: once it is through, a duplicate of the first
            // or a late dead letter would be visible
            device.publish(
                    "devices/" + id + "/telemetry", "{\"sensorType\":\"t\",\"value\":3,\"timestamp\":1763320420}");
            hooked = KAFKA.awaitKey(hook.topic(), id, 2);
            assertThat(hooked).hasSize(2);
            assertThat(attempts).hasValue(failures + 2);
            assertThat(hooked.stream().map(r -> KafkaProbe.header(r, "x-message-id")))
                    .doesNotHaveDuplicates();
            assertThat(KAFKA.read(DLQ, r -> id.equals(r.key()))).isEmpty();
            assertThat(KAFKA.awaitKey("device.telemetry", id, 2)).hasSize(2);
        }
    }

    /**
     * A YAML hook (routes/*.camel.yaml, under the gateway's error policy) for one device that runs {@code step}, then
     * writes the message to topic hooked.&lt;device&gt;. Removed again on close.
     */
    private final class TemporaryHook implements AutoCloseable {

        private final String deviceId;
        private final String bean;
        private final Path file;

        TemporaryHook(String deviceId, Processor step) {
            this.deviceId = deviceId;
            this.bean = "test-step-" + deviceId;
            this.file = SOURCES.routes().resolve("test-hook-" + deviceId + ".camel.yaml");
            camel.getRegistry().bind(bean, Processor.class, step);
            RouteSources.write(
                    file,
                    """
                    - route:
                        id: routing-transform-test-%1$s
                        routeConfigurationId: gateway-error-policy
                        from:
                          uri: direct:on-message-routing-transform-test-%1$s
                          steps:
                            - filter:
                                simple: "${exchangeProperty.deviceId} == '%1$s'"
                                steps:
                                  - process:
                                      ref: %2$s
                                  - to: kafka:%3$s
                    """
                            .formatted(deviceId, bean, topic()));
            // "active" once its routes run and the ingest routes call the hook (registered after the routes started)
            awaitFileStatus("active");
        }

        String topic() {
            return "hooked." + deviceId;
        }

        @Override
        public void close() {
            RouteSources.delete(file);
            awaitFileStatus("deleted");
            camel.getRegistry().unbind(bean);
        }

        private void awaitFileStatus(String status) {
            Http api = new Http(port);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                for (JsonNode f : api.getJson("/api/routes").body().path("files")) {
                    if (f.path("file").asText().endsWith("/" + file.getFileName())) {
                        return status.equals(f.path("status").asText());
                    }
                }
                return false;
            });
        }
    }

    private double count(String reason) {
        var counter = meters.find("gateway.dead.letters").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private ConsumerRecord<String, byte[]> deadLetter(String deviceId) {
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey(DLQ, deviceId, 1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
