package io.iotgateway.persistence;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.GatewayIntegrationTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** MongoDB goes away: ingest carries on into Kafka, persistence pauses, and catches up without loss when it is back. */
class MongoOutageIT extends GatewayIntegrationTest {

    private static final int MESSAGES = 30;

    @Test
    void persistencePausesWhileMongoIsDownAndResumesWithoutLoss() {
        String id = uniqueId("outage");
        // Stored before the outage: still there after it (the tests after this one share the database).
        String before = uniqueId("pre-outage");
        device.publish(
                "devices/" + before + "/telemetry", "{\"sensorType\":\"t\",\"value\":1,\"timestamp\":1763320419}");
        await().atMost(Duration.ofSeconds(30)).until(() -> sensorData().countDocuments(eq("deviceId", before)) == 1);
        BROKERS.stopMongo();
        try {
            for (int i = 0; i < MESSAGES; i++) {
                device.publish(
                        "devices/" + id + "/telemetry",
                        "{\"sensorType\":\"temperature\",\"value\":%d,\"timestamp\":%d}"
                                .formatted(i, 1_763_320_419L + i));
            }
            // Ingest does not depend on MongoDB: every message is acknowledged into Kafka meanwhile.
            assertThat(KAFKA.awaitKey("device.telemetry", id, MESSAGES)).hasSize(MESSAGES);
        } finally {
            BROKERS.startMongo();
        }
        await().atMost(Duration.ofSeconds(90))
                .untilAsserted(() -> assertThat(sensorData().countDocuments(eq("deviceId", id)))
                        .isEqualTo(MESSAGES));
        assertThat(sensorData().countDocuments(eq("deviceId", before))).isEqualTo(1);
    }
}
