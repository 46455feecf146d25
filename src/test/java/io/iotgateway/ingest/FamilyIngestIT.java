package io.iotgateway.ingest;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Each seed device family end to end: MQTT in, Kafka records (key, headers, body) out, MongoDB documents stored. */
class FamilyIngestIT extends GatewayIntegrationTest {

    @Autowired
    ObjectMapper json;

    @Test
    void familySubscriptionsDoNotCacheTheirBytePayloadsAsStreams() {
        assertThat(camel.getRoutes())
                .filteredOn(route -> route.getRouteId().startsWith("ingest-receive-")
                        && route.getEndpoint().getEndpointUri().startsWith("mqtt-ingest:"))
                .isNotEmpty()
                .allSatisfy(route -> assertThat(route.isStreamCaching()).isFalse());
    }

    @Test
    void devicesFamilyKeepsUnnamedFieldsAsMetadata() throws IOException {
        String id = uniqueId("thermo");
        String payload =
                """
                {"deviceId":"%s","sensorType":"temperature","value":21.5,"unit":"C",
                 "timestamp":"2026-11-22T10:00:00.250Z","metadata":{"battery":90},"firmware":"1.2.0"}"""
                        .formatted(id);
        device.publish("devices/" + id + "/telemetry", payload);

        ConsumerRecord<String, byte[]> record =
                KAFKA.awaitKey("device.telemetry", id, 1).get(0);
        JsonNode body = canonical(record);
        assertThat(body.get("deviceId").asText()).isEqualTo(id);
        assertThat(body.get("sensorType").asText()).isEqualTo("temperature");
        assertThat(body.get("value").asDouble()).isEqualTo(21.5);
        assertThat(body.get("unit").asText()).isEqualTo("C");
        assertThat(body.get("timestamp").asText()).isEqualTo("2026-11-22T10:00:00.250Z");
        assertThat(body.get("family").asText()).isEqualTo("devices");
        assertThat(body.get("sourceTopic").asText()).isEqualTo("devices/" + id + "/telemetry");
        assertThat(body.get("metadata").get("battery").asInt()).isEqualTo(90);
        assertThat(body.get("metadata").get("firmware").asText()).isEqualTo("1.2.0");
        assertThat(KafkaProbe.header(record, "x-message-id"))
                .isEqualTo(body.get("messageId").asText());
        assertThat(KafkaProbe.header(record, "x-source-topic")).isEqualTo("devices/" + id + "/telemetry");
        assertThat(KafkaProbe.header(record, "x-family")).isEqualTo("devices");

        Document stored = awaitDocuments(id, 1).get(0);
        assertThat(stored.get("_id")).isEqualTo(body.get("messageId").asText());
        assertThat(stored.getDate("timestamp")).isEqualTo(Date.from(Instant.parse("2026-11-22T10:00:00.250Z")));
        assertThat(stored.getDouble("value")).isEqualTo(21.5);
        assertThat(stored.get("metadata", Document.class).getString("firmware")).isEqualTo("1.2.0");
    }

    @Test
    void bikeSensorIsCanonicalisedAndFannedOutToTheSeedTopicUntouched() throws IOException {
        String id = uniqueId("bike");
        String payload =
                "{\"value\":142,\"unitName\":\"BPM\",\"timestamp\":1757841776.3686342,\"metadata\":{\"deviceName\":\"hrm\"}}";
        device.publish("bike/" + id + "/heartrate", payload);

        JsonNode body = canonical(KAFKA.awaitKey("device.telemetry", id, 1).get(0));
        assertThat(body.get("sensorType").asText()).isEqualTo("heartrate");
        assertThat(body.get("value").asDouble()).isEqualTo(142.0);
        assertThat(body.get("unit").asText()).isEqualTo("BPM");
        assertThat(body.get("timestamp").asText()).isEqualTo("2025-09-14T09:22:56.369Z");
        assertThat(body.get("metadata").get("deviceName").asText()).isEqualTo("hrm");

        ConsumerRecord<String, byte[]> seed =
                KAFKA.awaitKey("bike." + id + ".heartrate", id, 1).get(0);
        assertThat(new String(seed.value(), StandardCharsets.UTF_8)).isEqualTo(payload);
        awaitDocuments(id, 1);
    }

    @Test
    void fmsFrameBecomesOneRecordPerMetricAndReachesTheSeedStream() throws IOException {
        String id = uniqueId("raspi");
        String payload =
                "{\"vehicle_id\":\"%s\",\"timestamp\":1763320419,\"speed\":56.65,\"rpm\":1316,\"fuel_level\":99.65}"
                        .formatted(id);
        device.publish("fms/data", payload);

        Map<String, Double> values = new TreeMap<>();
        for (ConsumerRecord<String, byte[]> record : KAFKA.awaitKey("device.telemetry", id, 3)) {
            JsonNode body = canonical(record);
            values.put(body.get("sensorType").asText(), body.get("value").asDouble());
            assertThat(body.get("timestamp").asText()).isEqualTo("2025-11-16T19:13:39Z");
        }
        assertThat(values)
                .containsExactlyEntriesOf(new TreeMap<>(Map.of("fuel_level", 99.65, "rpm", 1316.0, "speed", 56.65)));

        ConsumerRecord<String, byte[]> seed =
                KAFKA.awaitKey("fms-data-stream", id, 1).get(0);
        assertThat(new String(seed.value(), StandardCharsets.UTF_8)).isEqualTo(payload);
        assertThat(awaitDocuments(id, 3))
                .extracting(d -> d.getString("sensorType"))
                .containsExactlyInAnyOrder("speed", "rpm", "fuel_level");
    }

    @Test
    void environmentFrameKeepsPlaceAndNameAndReachesIotFrames() throws IOException {
        String id = uniqueId("env");
        String payload =
                """
                {"id":"%s","name":"Meeting room sensor","timestamp":1763320419000,
                 "temperature":22.4,"humidity":41.0,"pressure":1013.2,"luminosity":320}"""
                        .formatted(id);
        device.publish("sensors/room-101/" + id + "/frame", payload);

        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", id, 4);
        List<String> types = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            JsonNode body = canonical(record);
            types.add(body.get("sensorType").asText());
            assertThat(body.get("metadata").get("placeId").asText()).isEqualTo("room-101");
            assertThat(body.get("metadata").get("name").asText()).isEqualTo("Meeting room sensor");
            assertThat(body.get("timestamp").asText()).isEqualTo("2025-11-16T19:13:39Z");
        }
        assertThat(types).containsExactlyInAnyOrder("temperature", "humidity", "pressure", "luminosity");
        assertThat(new String(KAFKA.awaitKey("iot-frames", id, 1).get(0).value(), StandardCharsets.UTF_8))
                .isEqualTo(payload);
        awaitDocuments(id, 4);
    }

    private List<Document> awaitDocuments(String deviceId, int count) {
        List<Document> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            found.clear();
            sensorData().find(eq("deviceId", deviceId)).into(found);
            return found.size() >= count;
        });
        assertThat(found).hasSize(count);
        return found;
    }

    /** Parses a device.telemetry record and checks it against the published canonical JSON Schema. */
    private JsonNode canonical(ConsumerRecord<String, byte[]> record) throws IOException {
        JsonNode body = json.readTree(record.value());
        assertThat(canonicalSchema().validate(body)).isEmpty();
        return body;
    }

    private static JsonSchema canonicalSchema() throws IOException {
        try (InputStream in = FamilyIngestIT.class.getResourceAsStream("/schemas/telemetry-record.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        }
    }
}
