package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Topics a device should never use reach the dead-letter topic with a reason naming what is wrong: a level that does
 * not fit the family (invalid-topic), or a shape no family has (unknown-family). MQTT itself forbids '+' and '#' in
 * topic names and clients refuse control characters (Paho drops the connection), which TopicPatternTest covers for a
 * broker or client that let them through; invisible characters such as U+200B do reach the gateway.
 */
class MalformedTopicIT extends GatewayIntegrationTest {

    private static final String DLQ = "device.telemetry.dlq";
    private static final String PAYLOAD = "{\"sensorType\":\"t\",\"value\":1}";

    @Test
    void emptyIdLevel() {
        String run = uniqueId("empty");
        // the empty device id is the same for every run: the place level makes the topic unique
        String topic = "sensors/" + run + "//frame";
        assertRejected(topic, "invalid-topic", "{deviceId} is empty");
        assertRejected("sensors//" + run + "/frame", "invalid-topic", "{placeId} is empty");
    }

    @Test
    void overlongId() {
        String id = uniqueId("long") + "x".repeat(130);
        assertRejected("devices/" + id + "/telemetry", "invalid-topic", "{deviceId} has 143 characters");
    }

    @Test
    void idWithCharactersOutsideTheIdentifierAlphabet() {
        String run = uniqueId("chars");
        assertRejected("devices/" + run + " x/telemetry", "invalid-topic", "contains U+0020");
        assertRejected("devices/" + run + "\u00fc/telemetry", "invalid-topic", "contains U+00FC");
        assertRejected("bike/" + run + "/heart\u200brate", "invalid-topic", "{sensorType} 'heart\\u200Brate'");
        assertRejected("fms/" + run, "unknown-family", "matches no device family");
    }

    @Test
    void levelsMissingOrExtra() {
        String run = uniqueId("shape");
        assertRejected("bike/" + run, "unknown-family", "matches no device family");
        assertRejected("bike/" + run + "/speed/extra", "unknown-family", "bike/{deviceId}/{sensorType}");
        assertRejected("sensors/" + run + "/d1/frame/extra", "unknown-family", "sensors/{placeId}/{deviceId}/frame");
        assertRejected("fms/data/" + run, "unknown-family", "fms/data");
    }

    private void assertRejected(String topic, String reason, String detail) {
        device.publish(topic, PAYLOAD);
        List<ConsumerRecord<String, byte[]>> records =
                KAFKA.awaitRecords(DLQ, r -> topic.equals(KafkaProbe.header(r, "x-source-topic")), 1);
        assertThat(records).hasSize(1);
        assertThat(KafkaProbe.header(records.get(0), "x-error-reason")).isEqualTo(reason);
        assertThat(KafkaProbe.header(records.get(0), "x-error-detail")).contains(detail);
        assertThat(KafkaProbe.header(records.get(0), "x-error-detail")).doesNotContain("\u200b");
    }
}
