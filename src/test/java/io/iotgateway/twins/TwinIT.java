package io.iotgateway.twins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.SimulatedActuator;
import io.iotgateway.support.SseStream;
import io.iotgateway.support.WebSocketSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Device twins end to end: the API, the command loop through the real MQTT broker to a simulated device and back,
 * MongoDB {@code deviceTwins}, the compacted topic and the live events.
 */
class TwinIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOOP = Duration.ofSeconds(60);
    private static final String TOPIC = "device.twins";

    @LocalServerPort
    int port;

    Http api;
    String deviceId;

    @BeforeEach
    void names() {
        api = new Http(port);
        deviceId = uniqueId("bike");
    }

    @Test
    void desiredValueReachesTheOnlineDeviceAndItsReportClosesTheDelta() throws Exception {
        try (SimulatedActuator actuator = new SimulatedActuator(BROKERS.mqttUrl(), deviceId);
                SseStream events = new SseStream(api.url("/events?type=twin&deviceId=" + deviceId), Map.of());
                WebSocketSession socket = new WebSocketSession("ws://localhost:" + port + "/ws")) {
            socket.send("{\"type\":\"subscribe\",\"deviceId\":\"" + deviceId + "\",\"eventType\":\"twin\"}");
            await().atMost(LOOP).until(() -> socket.frames("subscribed").size() == 1);

            HttpResponse<String> patched = patch("{\"fan\": 40}", "If-Match", "\"0\"");

            assertThat(patched.statusCode()).isEqualTo(200);
            assertThat(patched.headers().firstValue("ETag")).contains("\"1\"");
            JsonNode twin = JSON.readTree(patched.body());
            assertThat(twin.at("/desired/fan").asDouble()).isEqualTo(40.0);
            assertThat(twin.get("version").asLong()).isEqualTo(1);

            await().atMost(LOOP).until(() -> actuator.received().size() == 1);
            SimulatedActuator.Received command = actuator.received().get(0);
            assertThat(command.topic()).isEqualTo("devices/" + deviceId + "/commands/fan");
            assertThat(command.payload().get("command").asText()).isEqualTo("setSpeed");
            assertThat(command.payload().get("value").asDouble()).isEqualTo(40.0);
            assertThat(command.correlation()).startsWith("twin-");

            JsonNode converged = awaitTwin(t -> t.at("/reported/fan").asDouble() == 40.0);
            assertThat(converged.get("delta")).isEmpty();
            assertThat(converged.get("version").asLong()).isEqualTo(2);
            assertThat(converged.at("/metadata/reported/fan/updatedAt").isTextual())
                    .isTrue();

            Document stored = twins().find(Filters.eq("_id", deviceId)).first();
            assertThat(stored).isNotNull();
            assertThat(stored.get("desired", Document.class)).containsEntry("fan", 40.0);
            assertThat(stored.get("reported", Document.class)).containsEntry("fan", 40.0);
            assertThat(stored.get("delta", Document.class)).isEmpty();
            assertThat(stored.get("version", Number.class).longValue()).isEqualTo(2);

            Document sent = mongoClient
                    .getDatabase("iot")
                    .getCollection("controlCommands")
                    .find(Filters.eq("_id", command.correlation()))
                    .first();
            assertThat(sent.getString("source")).isEqualTo("twin");
            assertThat(sent.getString("status")).isEqualTo("ACKED");

            // The compacted topic: keyed by device id, its latest record is the converged twin.
            await().atMost(LOOP).untilAsserted(() -> {
                List<ConsumerRecord<String, byte[]>> records = KAFKA.read(TOPIC, r -> deviceId.equals(r.key()));
                assertThat(records).isNotEmpty();
                JsonNode latest = JSON.readTree(records.get(records.size() - 1).value());
                assertThat(latest.get("deviceId").asText()).isEqualTo(deviceId);
                assertThat(latest.get("version").asLong()).isEqualTo(2);
                assertThat(latest.get("delta")).isEmpty();
            });
            assertThat(cleanupPolicy()).isEqualTo("compact");

            await().atMost(LOOP)
                    .untilAsserted(() -> assertThat(events.events("twin")).anySatisfy(event -> assertThat(
                                    read(event.data()).at("/reported/fan").asDouble())
                            .isEqualTo(40.0)));
            await().atMost(LOOP)
                    .untilAsserted(() -> assertThat(socket.frames("twin")).anySatisfy(frame -> {
                        assertThat(frame.at("/data/deviceId").asText()).isEqualTo(deviceId);
                        assertThat(frame.at("/data/version").asLong()).isEqualTo(2);
                    }));
        }
    }

    @Test
    void anOfflineDeviceKeepsItsDeltaAndConvergesWhenItIsNextSeen() {
        HttpResponse<String> patched = patch("{\"resistance\": 30}");
        assertThat(patched.statusCode()).isEqualTo(200);

        // Nobody listens: the command times out, the delta stays.
        await().atMost(LOOP).until(() -> commandStatuses(deviceId).contains("TIMED_OUT"));
        JsonNode waiting = twin();
        assertThat(waiting.at("/delta/resistance").asDouble()).isEqualTo(30.0);
        assertThat(waiting.at("/pending/resistance/commandId").asText()).startsWith("twin-");
        assertThat(commandStatuses(deviceId)).containsExactly("TIMED_OUT");

        try (SimulatedActuator actuator = new SimulatedActuator(BROKERS.mqttUrl(), deviceId)) {
            // The device comes online and sends telemetry, as it would every few seconds.
            await().atMost(LOOP).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                device.publish("devices/" + deviceId + "/telemetry", "{\"sensorType\":\"temperature\",\"value\":21.5}");
                JsonNode twin = twin();
                assertThat(twin.at("/reported/resistance").asDouble()).isEqualTo(30.0);
                assertThat(twin.get("delta")).isEmpty();
            });
            assertThat(actuator.state(deviceId, "resistance")).isEqualTo(30.0);
        }
        // One command per attempt, none while one was pending.
        assertThat(commandStatuses(deviceId)).containsExactlyInAnyOrder("TIMED_OUT", "ACKED");
        assertThat(twins().find(Filters.eq("_id", deviceId)).first().getBoolean("open"))
                .isFalse();
    }

    @Test
    void telemetryItsFamilyMapsToAComponentIsTheReportedValueAndClosesTheDelta() {
        // devices.family.yaml: twin-reported maps sensor type fan to the component fan; temperature is not mapped.
        String telemetry = "devices/" + deviceId + "/telemetry";
        device.publish(telemetry, "{\"sensorType\":\"temperature\",\"value\":21.5}");
        device.publish(telemetry, "{\"sensorType\":\"fan\",\"value\":30,\"timestamp\":\"2026-12-06T10:00:00Z\"}");

        JsonNode reported = awaitTwin(t -> t.at("/reported/fan").asDouble() == 30.0);
        assertThat(reported.get("reported").size()).isEqualTo(1);
        assertThat(reported.at("/metadata/reported/fan/updatedAt").asText()).isEqualTo("2026-12-06T10:00:00Z");
        assertThat(reported.get("version").asLong()).isEqualTo(1);

        // Nobody takes the command; the device is then set by hand to the desired value and says so in telemetry.
        assertThat(patch("{\"fan\": 45}").statusCode()).isEqualTo(200);
        assertThat(twin().at("/delta/fan").asDouble()).isEqualTo(45.0);
        device.publish(telemetry, "{\"sensorType\":\"fan\",\"value\":45}");

        JsonNode converged = awaitTwin(t -> t.at("/reported/fan").asDouble() == 45.0);
        assertThat(converged.get("delta")).isEmpty();
        Document stored = twins().find(Filters.eq("_id", deviceId)).first();
        assertThat(stored.get("reported", Document.class)).containsEntry("fan", 45.0);
        assertThat(stored.getBoolean("open")).isFalse();
    }

    @Test
    void aPatchAgainstAnOlderVersionIsRefusedWith412() throws IOException {
        assertThat(patch("{\"incline\": 2}", "If-Match", "\"0\"").statusCode()).isEqualTo(200);

        HttpResponse<String> stale = patch("{\"incline\": 5}", "If-Match", "\"0\"");

        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        JsonNode problem = JSON.readTree(stale.body());
        assertThat(problem.get("reason").asText()).isEqualTo("version-conflict");
        assertThat(problem.get("version").asLong()).isEqualTo(1);
        assertThat(stale.headers().firstValue("ETag")).contains("\"1\"");
        assertThat(twin().at("/desired/incline").asDouble()).isEqualTo(2.0);

        assertThat(patch("{\"incline\": 5}", "If-Match", "\"1\"").statusCode()).isEqualTo(200);
        assertThat(twin().at("/desired/incline").asDouble()).isEqualTo(5.0);
    }

    @Test
    void invalidDesiredValuesAreRefusedWithTheCommandReasons() throws IOException {
        assertProblem(patch("{\"fan\": 150}"), "value-out-of-range", "outside the range of fan: 0 to 100");
        assertProblem(patch("{\"warp\": 1}"), "unknown-component", "unknown component 'warp'");
        assertProblem(patch("{\"fan\": \"high\"}"), "invalid-command", "value must be a finite number");
        assertProblem(patch("[40]"), "invalid-patch", "merge patch");
        assertProblem(patch("{\"fan\": 1}", "If-Match", "latest"), "invalid-patch", "If-Match");

        JsonNode untouched = twin();
        assertThat(untouched.get("version").asLong()).isZero();
        assertThat(untouched.get("desired")).isEmpty();
        assertThat(twins().countDocuments(Filters.eq("_id", deviceId))).isZero();
    }

    @Test
    void readingNeedsAViewerAndChangingAnOperator() throws IOException {
        HttpResponse<String> viewed = api.as(Http.VIEWER).get("/api/devices/" + deviceId + "/twin");
        assertThat(viewed.statusCode()).isEqualTo(200);
        assertThat(viewed.headers().firstValue("ETag")).contains("\"0\"");
        JsonNode empty = JSON.readTree(viewed.body());
        assertThat(empty.get("deviceId").asText()).isEqualTo(deviceId);
        assertThat(empty.get("version").asLong()).isZero();

        assertThat(api.as(Http.VIEWER)
                        .patch("/api/devices/" + deviceId + "/twin/desired", "{\"fan\":1}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(api.as(null)
                        .patch("/api/devices/" + deviceId + "/twin/desired", "{\"fan\":1}")
                        .statusCode())
                .isEqualTo(401);
        assertThat(api.as(null).get("/api/devices/" + deviceId + "/twin").statusCode())
                .isEqualTo(401);
    }

    private void assertProblem(HttpResponse<String> response, String reason, String detail) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("reason").asText()).isEqualTo(reason);
        assertThat(problem.get("detail").asText()).contains(detail);
    }

    private HttpResponse<String> patch(String body, String... headers) {
        return api.patch("/api/devices/" + deviceId + "/twin/desired", body, headers);
    }

    private JsonNode twin() {
        Http.Json twin = api.getJson("/api/devices/" + deviceId + "/twin");
        assertThat(twin.status()).isEqualTo(200);
        return twin.body();
    }

    private JsonNode awaitTwin(java.util.function.Predicate<JsonNode> condition) {
        List<JsonNode> last = new ArrayList<>(1);
        await().atMost(LOOP).until(() -> {
            last.clear();
            last.add(twin());
            return condition.test(last.get(0));
        });
        return last.get(0);
    }

    private MongoCollection<Document> twins() {
        return mongoClient.getDatabase("iot").getCollection("deviceTwins");
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cleanupPolicy() throws Exception {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS.kafkaBootstrap());
        try (Admin admin = Admin.create(config)) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
            return admin.describeConfigs(List.of(topic))
                    .all()
                    .get()
                    .get(topic)
                    .get("cleanup.policy")
                    .value();
        }
    }
}
