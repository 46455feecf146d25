package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * HTTP ingest ({@code POST /ingest/{family}/{deviceId}}, the shipped YAML route routes/http-ingest.camel.yaml) runs the
 * MQTT pipeline and answers the caller: 202 with the same canonical record in Kafka as the MQTT path makes, 400 with
 * the reason and the payload dead-lettered, 401 without a token, 403 with another device's token, 429 over the rate
 * limit, 404 for an unknown family. (503 while Kafka is unavailable: HttpIngestTest, with a send that never completes.)
 * The device tokens are the test profile's (application-test.yaml gateway.security.device-tokens).
 */
class HttpIngestIT extends GatewayIntegrationTest {

    private static final String CLIENT_TOKEN = "test-http-client-token-0123456789";
    private static final String DEVICE_B1_TOKEN = "test-http-device-b1-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();

    @LocalServerPort
    int port;

    private Http client() {
        return new Http(port).as(Http.bearer(CLIENT_TOKEN));
    }

    @Test
    void acceptedPayloadIsInKafkaAsTheMqttPathWritesIt() throws Exception {
        String device = "http-a-1";
        String messageId = "m-" + UUID.randomUUID();
        String payload = "{\"sensorType\":\"temperature\",\"value\":21.5,\"timestamp\":1763320419}";

        HttpResponse<String> response =
                client().post("/ingest/devices/" + device, payload, false, "X-Message-Id", messageId);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(JSON.readTree(response.body()).path("records").asInt()).isEqualTo(1);
        ConsumerRecord<String, byte[]> viaHttp =
                KAFKA.awaitKey("device.telemetry", device, 1).get(0);

        // the same message from the same device over MQTT (the device's message id as its MQTT 5 user property)
        this.device.publish(
                "devices/" + device + "/telemetry",
                payload.getBytes(StandardCharsets.UTF_8),
                List.of(new UserProperty("message-id", messageId)));
        List<ConsumerRecord<String, byte[]>> both = KAFKA.awaitKey("device.telemetry", device, 2);
        assertThat(both).hasSize(2);
        ConsumerRecord<String, byte[]> viaMqtt = both.get(1);

        assertThat(viaHttp.key()).isEqualTo(viaMqtt.key()).isEqualTo(device);
        assertThat(comparable(headers(viaHttp))).isEqualTo(comparable(headers(viaMqtt)));
        assertThat(comparable(viaHttp.value())).isEqualTo(comparable(viaMqtt.value()));
        assertThat(KafkaProbe.header(viaHttp, "x-source-topic")).isEqualTo("devices/" + device + "/telemetry");
    }

    @Test
    void rejectedPayloadIsAnsweredWithItsReasonAndDeadLettered() throws Exception {
        String device = "http-a-2";
        String marker = "broken-" + UUID.randomUUID();
        HttpResponse<String> response = client().post("/ingest/devices/" + device, "{\"" + marker, false);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).contains("application/problem+json"));
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("reason").asText()).isEqualTo("not-json");
        assertThat(problem.path("detail").asText()).contains("not valid JSON");
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");

        ConsumerRecord<String, byte[]> dead = KAFKA.awaitRecords(
                        "device.telemetry.dlq",
                        r -> device.equals(r.key()) && new String(r.value(), StandardCharsets.UTF_8).contains(marker),
                        1)
                .get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("not-json");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{\"" + marker);
    }

    @Test
    void onlyTheDevicesOwnTokenMaySend() {
        String payload = "{\"sensorType\":\"temperature\",\"value\":1,\"timestamp\":1763320419}";
        HttpResponse<String> anonymous = Http.anonymous(port).post("/ingest/devices/http-a-3", payload, false);
        assertThat(anonymous.statusCode()).isEqualTo(401);

        HttpResponse<String> otherDevice =
                new Http(port).as(Http.bearer(DEVICE_B1_TOKEN)).post("/ingest/devices/http-a-3", payload, false);
        assertThat(otherDevice.statusCode()).isEqualTo(403);
        assertThat(otherDevice.body()).contains("device token");
        // an operator is not a device
        assertThat(new Http(port)
                        .post("/ingest/devices/http-a-3", payload, false)
                        .statusCode())
                .isEqualTo(403);
        // the device's own token
        assertThat(new Http(port)
                        .as(Http.bearer(DEVICE_B1_TOKEN))
                        .post("/ingest/devices/http-b-1", payload, false)
                        .statusCode())
                .isEqualTo(202);
    }

    @Test
    void unknownFamilyIs404() throws Exception {
        HttpResponse<String> response = client().post("/ingest/no-such-family/http-a-4", "{}", false);
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).path("reason").asText()).isEqualTo("unknown-family");
    }

    @Test
    void aDeviceOverItsRateLimitGets429() throws Exception {
        String name = "http-throttled-" + UUID.randomUUID().toString().substring(0, 6);
        String yaml =
                """
                topic: %s/{deviceId}/telemetry
                schema: classpath:schemas/families/devices.schema.json
                timestamp-field: timestamp
                rate-limit: { per-device: 1, burst: 2 }
                readings:
                  - sensor-type-field: sensorType
                    value-field: value
                """
                        .formatted(name);
        try (TemporaryFamily family = TemporaryFamily.create(camel, name, yaml)) {
            String payload = "{\"sensorType\":\"temperature\",\"value\":1,\"timestamp\":1763320419}";
            Map<Integer, Integer> statuses = new TreeMap<>();
            HttpResponse<String> limited = null;
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> response = client().post("/ingest/" + name + "/http-a-5", payload, false);
                statuses.merge(response.statusCode(), 1, Integer::sum);
                if (response.statusCode() == 429) {
                    limited = response;
                }
            }
            assertThat(statuses).as("statuses").containsKey(202).containsKey(429);
            assertThat(JSON.readTree(limited.body()).path("reason").asText()).isEqualTo("rate-limited");
            ConsumerRecord<String, byte[]> dead = KAFKA.awaitRecords(
                            "device.telemetry.dlq",
                            r -> "http-a-5".equals(r.key())
                                    && "rate-limited".equals(KafkaProbe.header(r, "x-error-reason")),
                            1)
                    .get(0);
            assertThat(KafkaProbe.header(dead, "x-source-topic")).isEqualTo(name + "/http-a-5/telemetry");
        }
    }

    private static Map<String, String> headers(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new TreeMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    /** Without what differs by nature: when the gateway received it. */
    private static Map<String, String> comparable(Map<String, String> headers) {
        Map<String, String> copy = new TreeMap<>(headers);
        copy.remove("x-received-at");
        return copy;
    }

    private static JsonNode comparable(byte[] record) throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(record);
        json.remove("receivedAt");
        return json;
    }
}
