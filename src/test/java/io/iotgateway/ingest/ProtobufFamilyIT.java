package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.RouteSources;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * A {@code format: protobuf} family end to end with a real MQTT client: the shipped {@code meters} family (descriptor
 * set {@code routes/meters.desc}) maps a {@code meter.Reading} to canonical records in Kafka; an undecodable payload is
 * dead-lettered as {@code not-protobuf} with its original bytes, a decodable one that breaks the schema as {@code
 * schema-violation}; and an edited descriptor set re-applies the family that uses it.
 */
class ProtobufFamilyIT extends GatewayIntegrationTest {

    @Autowired
    ObjectMapper json;

    private final ProtobufPayloads meters = ProtobufPayloadsTest.load("meter.Reading");

    @Test
    void aProtobufReadingBecomesCanonicalRecords() throws IOException {
        String id = uniqueId("meter");
        String topic = "meters/" + id + "/reading";
        device.publish(topic, reading(meters.type(), Instant.parse("2026-12-06T10:00:00.500Z"), 231.5, 4.25));

        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", id, 3);
        JsonNode voltage = json.readTree(records.get(0).value());
        assertThat(records).extracting(ConsumerRecord::key).containsOnly(id);
        assertThat(voltage.get("deviceId").asText()).isEqualTo(id);
        assertThat(voltage.get("sensorType").asText()).isEqualTo("voltage");
        assertThat(voltage.get("value").asDouble()).isEqualTo(231.5);
        assertThat(voltage.get("unit").asText()).isEqualTo("V");
        assertThat(voltage.get("timestamp").asText()).isEqualTo("2026-12-06T10:00:00.500Z");
        assertThat(voltage.get("family").asText()).isEqualTo("meters");
        // fields no reading names are kept, as for JSON families: the enum by its name
        assertThat(voltage.get("metadata").get("phase").asText()).isEqualTo("L1");
        assertThat(KafkaProbe.header(records.get(0), "x-family")).isEqualTo("meters");
        assertThat(KafkaProbe.header(records.get(0), "x-source-topic")).isEqualTo(topic);
        assertThat(KafkaProbe.header(records.get(0), "x-message-id"))
                .isEqualTo(voltage.get("messageId").asText());
        JsonNode current = json.readTree(records.get(1).value());
        assertThat(current.get("sensorType").asText()).isEqualTo("current");
        assertThat(current.get("value").asDouble()).isEqualTo(4.25);
        assertThat(current.get("unit").asText()).isEqualTo("A");
        assertThat(json.readTree(records.get(2).value()).get("sensorType").asText())
                .isEqualTo("energy");
    }

    @Test
    void anUndecodablePayloadIsDeadLetteredAsNotProtobufWithItsOriginalBytes() {
        String id = uniqueId("meter");
        byte[] garbage = "{\"voltage\":230}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        device.publish("meters/" + id + "/reading", garbage);

        ConsumerRecord<String, byte[]> dead =
                KAFKA.awaitKey("device.telemetry.dlq", id, 1).get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("not-protobuf");
        assertThat(KafkaProbe.header(dead, "x-error-detail")).contains("meter.Reading");
        assertThat(KafkaProbe.header(dead, "x-source-topic")).isEqualTo("meters/" + id + "/reading");
        assertThat(dead.value()).isEqualTo(garbage);
    }

    @Test
    void theFamilySchemaChecksRequiredFieldsAndRangesOfTheDecodedMessage() {
        String out = uniqueId("meter");
        device.publish("meters/" + out + "/reading", reading(meters.type(), Instant.now(), 5000, 1));
        ConsumerRecord<String, byte[]> range =
                KAFKA.awaitKey("device.telemetry.dlq", out, 1).get(0);
        assertThat(KafkaProbe.header(range, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(range, "x-error-detail")).contains("voltage");

        // 'current' is optional in the .proto (presence) and required by the schema: not sent, so rejected
        String missing = uniqueId("meter");
        Descriptor type = meters.type();
        byte[] noCurrent = DynamicMessage.newBuilder(type)
                .setField(type.findFieldByName("voltage"), 230.0)
                .build()
                .toByteArray();
        device.publish("meters/" + missing + "/reading", noCurrent);
        ConsumerRecord<String, byte[]> required =
                KAFKA.awaitKey("device.telemetry.dlq", missing, 1).get(0);
        assertThat(KafkaProbe.header(required, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(required, "x-error-detail")).contains("current");
        assertThat(KAFKA.read("device.telemetry", r -> missing.equals(r.key()))).isEmpty();
    }

    @Test
    void anEditedDescriptorSetReappliesItsFamily() throws Exception {
        String id = uniqueId("pm");
        String name = "power-" + id.substring(3);
        Path descriptor = SOURCES.routes().resolve(name + ".desc");
        Files.write(descriptor, Files.readAllBytes(ProtobufPayloadsTest.METERS));
        String yaml =
                """
                topic: %s/{deviceId}
                format: protobuf
                descriptor: %s.desc
                message-type: meter.Reading
                readings:
                  - { sensor-type: voltage, value-field: voltage, unit: V }
                """
                        .formatted(name, name);
        try (TemporaryFamily family = TemporaryFamily.create(camel, name, yaml)) {
            byte[] payload = reading(meters.type(), Instant.parse("2026-12-06T11:00:00Z"), 229.0, 3.0);
            device.publish(name + "/" + id, payload);
            JsonNode first = json.readTree(
                    KAFKA.awaitKey("device.telemetry", id, 1).get(0).value());
            assertThat(first.get("value").asDouble()).isEqualTo(229.0);

            // the new descriptor calls field 2 'volts': the same bytes no longer carry a 'voltage'
            write(descriptor, renamed("voltage", "volts"));
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                device.publish(name + "/" + id, payload);
                assertThat(KAFKA.read("device.telemetry.dlq", r -> id.equals(r.key())))
                        .isNotEmpty()
                        .allSatisfy(r -> assertThat(KafkaProbe.header(r, "x-error-detail"))
                                .contains("$.voltage"));
            });
        } finally {
            RouteSources.delete(descriptor);
        }
    }

    /** meters.desc with one field of meter.Reading renamed. */
    private static byte[] renamed(String from, String to) throws IOException {
        FileDescriptorSet.Builder set =
                FileDescriptorSet.parseFrom(Files.readAllBytes(ProtobufPayloadsTest.METERS)).toBuilder();
        for (var file : set.getFileBuilderList()) {
            for (var message : file.getMessageTypeBuilderList()) {
                for (var field : message.getFieldBuilderList()) {
                    if (field.getName().equals(from)) {
                        field.setName(to).setJsonName(to);
                    }
                }
            }
        }
        return set.build().toByteArray();
    }

    private static void write(Path file, byte[] content) {
        try {
            Path temp = Files.createTempFile(file.getParent(), ".edit-", ".tmp");
            Files.write(temp, content);
            Files.move(
                    temp,
                    file,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] reading(Descriptor type, Instant time, double voltage, double current) {
        Descriptor timestamp = type.findFieldByName("time").getMessageType();
        return DynamicMessage.newBuilder(type)
                .setField(
                        type.findFieldByName("time"),
                        DynamicMessage.newBuilder(timestamp)
                                .setField(timestamp.findFieldByName("seconds"), time.getEpochSecond())
                                .setField(timestamp.findFieldByName("nanos"), time.getNano())
                                .build())
                .setField(type.findFieldByName("voltage"), voltage)
                .setField(type.findFieldByName("current"), current)
                .setField(
                        type.findFieldByName("phase"),
                        type.findEnumTypeByName("Phase").findValueByName("L1"))
                .build()
                .toByteArray();
    }
}
