package io.iotgateway.errors;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Every reject reason ends in device.telemetry.dlq with the original bytes and a precise reason; none is lost. */
class DeadLetterIT extends GatewayIntegrationTest {

    private static final String DLQ = "device.telemetry.dlq";

    @Autowired
    MeterRegistry meters;

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
