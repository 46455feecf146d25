package io.iotgateway.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import java.time.Duration;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The query API over telemetry stored by the real pipeline (MQTT -> Kafka -> MongoDB). */
class TelemetryQueryIT extends GatewayIntegrationTest {

    @LocalServerPort
    int port;

    Http api;
    String id;

    @BeforeEach
    void storeReadings() {
        api = new Http(port);
        id = uniqueId("bike");
        // 2025-09-14T09:22:50Z .. 09:22:54Z
        for (int second = 0; second < 5; second++) {
            device.publish(
                    "bike/" + id + "/heartrate",
                    "{\"value\":" + (120 + second) + ",\"unitName\":\"BPM\",\"timestamp\":" + (1757841770 + second)
                            + "}");
        }
        device.publish("bike/" + id + "/speed", "{\"value\":31.5,\"timestamp\":1757841780}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sensorData().countDocuments(Filters.eq("deviceId", id)) == 6);
    }

    @Test
    void devicesListsLastSeenAndTheLatestValuePerSensor() {
        Http.Json response = api.getJson("/api/devices");

        assertThat(response.status()).isEqualTo(200);
        JsonNode device = StreamSupport.stream(response.body().spliterator(), false)
                .filter(d -> d.get("deviceId").asText().equals(id))
                .findFirst()
                .orElseThrow();
        assertThat(device.get("lastSeen").asText()).isEqualTo("2025-09-14T09:23:00Z");
        assertThat(device.get("sensors").get("heartrate").get("value").asDouble())
                .isEqualTo(124.0);
        assertThat(device.get("sensors").get("heartrate").get("unit").asText()).isEqualTo("BPM");
        assertThat(device.get("sensors").get("speed").get("value").asDouble()).isEqualTo(31.5);
    }

    @Test
    void telemetryFiltersBySensorAndTimeNewestFirstWithinTheLimit() {
        Http.Json response = api.getJson("/api/devices/" + id + "/telemetry?sensorType=heartrate"
                + "&from=2025-09-14T09:22:51Z&to=2025-09-14T09:22:54Z&limit=2");

        assertThat(response.status()).isEqualTo(200);
        List<Double> values = StreamSupport.stream(response.body().spliterator(), false)
                .map(r -> r.get("value").asDouble())
                .toList();
        assertThat(values).containsExactly(123.0, 122.0);
        JsonNode first = response.body().get(0);
        assertThat(first.get("messageId").asText()).isNotBlank();
        assertThat(first.get("timestamp").asText()).isEqualTo("2025-09-14T09:22:53Z");
        assertThat(first.get("sensorType").asText()).isEqualTo("heartrate");

        assertThat(api.getJson("/api/devices/" + id + "/telemetry").body()).hasSize(6);
    }

    @Test
    void badParametersAreRefusedWithTheReason() {
        String base = "/api/devices/" + id + "/telemetry";
        for (String query : List.of(
                "?limit=0",
                "?limit=1001",
                "?limit=ten",
                "?from=yesterday",
                "?sensorType=a%20b",
                "?from=2025-09-14T10:00:00Z&to=2025-09-14T09:00:00Z")) {
            Http.Json response = api.getJson(base + query);
            assertThat(response.status()).as(query).isEqualTo(400);
            assertThat(response.body().get("reason").asText()).as(query).isEqualTo("invalid-parameter");
            assertThat(response.body().get("detail").asText()).as(query).isNotBlank();
        }
        assertThat(api.getJson("/api/devices/bad%20id/telemetry").status()).isEqualTo(400);
    }
}
