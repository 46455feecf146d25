package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;

/**
 * A device may publish only as itself. The payload may not name another device than the topic (every family with
 * both); and where the broker passes the authenticated client's id in an MQTT 5 user property (an auth plugin), a
 * family configured with {@code identity-property} accepts only messages whose property, exactly one, names the
 * message's device; a missing property fails closed. User properties travel through the real broker.
 */
class DeviceIdentityIT extends GatewayIntegrationTest {

    private static final String DLQ = "device.telemetry.dlq";
    private static final String PROPERTY = "authenticated-device";

    @Test
    void everyFamilyWithAPayloadDeviceIdRejectsAnotherDevicesId() {
        String id = uniqueId("envme");
        device.publish(
                "sensors/room-1/" + id + "/frame",
                "{\"id\":\"someone-else\",\"temperature\":21,\"humidity\":40,\"pressure\":1000,\"luminosity\":10}");
        ConsumerRecord<String, byte[]> record = deadLetter(id);
        assertThat(KafkaProbe.header(record, "x-error-reason")).isEqualTo("device-id-mismatch");
        assertThat(KafkaProbe.header(record, "x-error-detail"))
                .isEqualTo("topic is for device '" + id + "' but payload field 'id' says 'someone-else'");

        String other = uniqueId("devme");
        device.publish("devices/" + other + "/telemetry", "{\"deviceId\":\"x\",\"sensorType\":\"t\",\"value\":1}");
        assertThat(KafkaProbe.header(deadLetter(other), "x-error-reason")).isEqualTo("device-id-mismatch");
    }

    @Test
    void theAuthenticatedIdentityMustBeTheTopicsDevice() {
        String run = uniqueId("idn");
        String name = "identified-" + run.substring(4);
        try (TemporaryFamily family = identifiedFamily(name, name + "/{deviceId}/telemetry")) {
            String honest = run + "-honest";
            publish(name + "/" + honest + "/telemetry", List.of(new UserProperty(PROPERTY, honest)));
            assertThat(KAFKA.awaitKey("device.telemetry", honest, 1)).hasSize(1);

            String victim = run + "-victim";
            publish(name + "/" + victim + "/telemetry", List.of(new UserProperty(PROPERTY, run + "-mallory")));
            ConsumerRecord<String, byte[]> spoofed = deadLetter(victim);
            assertThat(KafkaProbe.header(spoofed, "x-error-reason")).isEqualTo("identity-mismatch");
            assertThat(KafkaProbe.header(spoofed, "x-error-detail"))
                    .isEqualTo("authenticated as '" + run + "-mallory' but publishes for device '" + victim + "'");

            String anonymous = run + "-anonymous";
            publish(name + "/" + anonymous + "/telemetry", List.of(new UserProperty("other", anonymous)));
            ConsumerRecord<String, byte[]> unvouched = deadLetter(anonymous);
            assertThat(KafkaProbe.header(unvouched, "x-error-reason")).isEqualTo("identity-mismatch");
            assertThat(KafkaProbe.header(unvouched, "x-error-detail"))
                    .isEqualTo("no MQTT user property '" + PROPERTY + "' with the authenticated device id; expected '"
                            + anonymous + "'");

            // a client adding its own value next to the broker's cannot win either way
            String doubled = run + "-doubled";
            publish(
                    name + "/" + doubled + "/telemetry",
                    List.of(new UserProperty(PROPERTY, doubled), new UserProperty(PROPERTY, run + "-mallory")));
            ConsumerRecord<String, byte[]> twice = deadLetter(doubled);
            assertThat(KafkaProbe.header(twice, "x-error-reason")).isEqualTo("identity-mismatch");
            assertThat(KafkaProbe.header(twice, "x-error-detail"))
                    .isEqualTo("2 MQTT user properties '" + PROPERTY + "'; expected exactly one");

            assertThat(KAFKA.read(
                            "device.telemetry", r -> r.key() != null && r.key().startsWith(run)))
                    .extracting(ConsumerRecord::key)
                    .containsExactly(honest);
        }
    }

    @Test
    void aFamilyWhoseDeviceIdIsInThePayloadChecksThatId() {
        String run = uniqueId("idp");
        String name = "identified-frames-" + run.substring(4);
        try (TemporaryFamily family = identifiedFamily(name, name + "/data")) {
            String honest = run + "-honest";
            publish(name + "/data", frame(honest), List.of(new UserProperty(PROPERTY, honest)));
            assertThat(KAFKA.awaitKey("device.telemetry", honest, 1)).hasSize(1);

            String victim = run + "-victim";
            publish(name + "/data", frame(victim), List.of(new UserProperty(PROPERTY, honest)));
            ConsumerRecord<String, byte[]> spoofed = deadLetter(victim);
            assertThat(KafkaProbe.header(spoofed, "x-error-reason")).isEqualTo("identity-mismatch");
            assertThat(KAFKA.read("device.telemetry", r -> victim.equals(r.key())))
                    .isEmpty();
        }
    }

    /** A family on {@code topic} that checks the identity property against the message's device id. */
    private TemporaryFamily identifiedFamily(String name, String topic) {
        return TemporaryFamily.create(
                camel,
                name,
                """
                topic: %s
                schema: classpath:schemas/families/devices.schema.json
                device-id-field: deviceId
                identity-property: %s
                readings:
                  - sensor-type-field: sensorType
                    value-field: value
                """
                        .formatted(topic, PROPERTY));
    }

    private void publish(String topic, List<UserProperty> properties) {
        publish(topic, "{\"sensorType\":\"t\",\"value\":1}", properties);
    }

    private void publish(String topic, String payload, List<UserProperty> properties) {
        device.publish(topic, payload.getBytes(StandardCharsets.UTF_8), properties);
    }

    private static String frame(String deviceId) {
        return "{\"deviceId\":\"" + deviceId + "\",\"sensorType\":\"t\",\"value\":1}";
    }

    private ConsumerRecord<String, byte[]> deadLetter(String deviceId) {
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey(DLQ, deviceId, 1);
        assertThat(records).hasSize(1);
        return records.get(0);
    }
}
