package io.iotgateway.persistence;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.GatewayIntegrationTest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** A record delivered twice (Kafka redelivery, or the device re-sending) is stored once. */
class IdempotentPersistenceIT extends GatewayIntegrationTest {

    @Test
    void redeliveredKafkaRecordCreatesNoSecondDocument() {
        String id = uniqueId("dup");
        String messageId = UUID.randomUUID().toString();
        byte[] record =
                """
                {"messageId":"%s","deviceId":"%s","sensorType":"speed","value":31.5,"unit":"km/h",
                 "timestamp":"2026-11-22T10:00:00Z","receivedAt":"2026-11-22T10:00:00.010Z","family":"bike",
                 "sourceTopic":"bike/%s/speed","metadata":{}}"""
                        .formatted(messageId, id, id)
                        .getBytes(StandardCharsets.UTF_8);
        KAFKA.send("device.telemetry", id, record);
        KAFKA.send("device.telemetry", id, record);
        // A later record of the same device proves both copies were consumed before we count.
        String marker = UUID.randomUUID().toString();
        KAFKA.send(
                "device.telemetry",
                id,
                new String(record, StandardCharsets.UTF_8)
                        .replace(messageId, marker)
                        .getBytes(StandardCharsets.UTF_8));

        await().atMost(Duration.ofSeconds(30)).until(() -> sensorData().countDocuments(eq("_id", marker)) == 1);
        assertThat(sensorData().countDocuments(eq("deviceId", id))).isEqualTo(2);
        assertThat(sensorData().countDocuments(eq("_id", messageId))).isEqualTo(1);
    }

    @Test
    void offsetsAreCommittedOnceTheBatchIsWritten() throws Exception {
        String id = uniqueId("commit");
        device.publish("devices/" + id + "/telemetry", "{\"sensorType\":\"t\",\"value\":1,\"timestamp\":1763320419}");
        ConsumerRecord<String, byte[]> record =
                KAFKA.awaitKey("device.telemetry", id, 1).get(0);
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());

        await().atMost(Duration.ofSeconds(30)).until(() -> sensorData().countDocuments(eq("deviceId", id)) == 1);
        // A restarted gateway resumes after this record instead of reading the topic from the start.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS.kafkaBootstrap()))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("iot-gateway-persistence")
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .get(partition);
                return committed != null && committed.offset() > record.offset();
            });
        }
    }

    @Test
    void sameDeviceMessageSentTwiceIsStoredOnce() {
        String id = uniqueId("resend");
        String payload = "{\"value\":88,\"unitName\":\"RPM\",\"timestamp\":1757841776.25}";
        device.publish("bike/" + id + "/cadence", payload);
        device.publish("bike/" + id + "/cadence", payload);
        device.publish("bike/" + id + "/cadence", "{\"value\":89,\"unitName\":\"RPM\",\"timestamp\":1757841777.25}");

        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", id, 3);
        assertThat(records).hasSize(3);
        // The third message is the later one: once it is stored, a second copy of the first would be too.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sensorData().countDocuments(and(eq("deviceId", id), eq("value", 89.0))) == 1);
        assertThat(sensorData().countDocuments(eq("deviceId", id))).isEqualTo(2);
        assertThat(sensorData().countDocuments(and(eq("deviceId", id), eq("value", 88.0))))
                .isEqualTo(1);
    }
}
