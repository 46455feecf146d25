package io.iotgateway.deadletters;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.RouteSources;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * An operator fixes a family's schema, then replays what it rejected: the messages reach Kafka and MongoDB once, a
 * message still bad is reported with its reason and stays in the dead-letter topic, a report (not telemetry) is never
 * replayed, and replaying again stores nothing twice.
 */
class DeadLetterReplayIT extends GatewayIntegrationTest {

    private static final String DLQ = "device.telemetry.dlq";
    private static final String REPLAY = "/api/dead-letters/replay";

    @LocalServerPort
    int port;

    private Path family;
    private Path schema;

    @AfterEach
    void removeFamily() {
        if (family != null) {
            RouteSources.delete(family);
            RouteSources.delete(schema);
        }
    }

    @Test
    void replaysWhatAFixedSchemaNowAcceptsOnceAndReportsTheRest() throws Exception {
        String id = uniqueId("rp");
        String other = uniqueId("rp");
        String name = "replay-" + id.substring(3);
        family = SOURCES.routes().resolve(name + ".family.yaml");
        schema = SOURCES.routes().resolve(name + ".schema.json");
        // The shipped schema is wrong: the firmware sends numbers.
        RouteSources.write(schema, SCHEMA.formatted("string"));
        RouteSources.write(family, FAMILY.formatted(name));
        await().atMost(Duration.ofSeconds(15)).until(() -> isStarted("ingest-receive-" + name));

        String topic = name + "/" + id + "/soil";
        device.publish(topic, reading(31.5, 1), List.of(new UserProperty("message-id", "m-1")));
        device.publish(topic, reading(30.5, 2));
        device.publish(topic, reading(29.5, 3));
        device.publish(topic, "{\"moisture\":".getBytes(StandardCharsets.UTF_8));
        device.publish(name + "/" + other + "/soil", reading(12.0, 4));
        device.publish("devices/" + id + "/reports/fan", "not a report");
        List<ConsumerRecord<String, byte[]>> dead = KAFKA.awaitKey(DLQ, id, 5);
        KAFKA.awaitKey(DLQ, other, 1);
        assertThat(dead)
                .filteredOn(r -> "m-1".equals(KafkaProbe.header(r, "x-message-id")))
                .singleElement()
                .extracting(r -> KafkaProbe.header(r, "x-mqtt-user-properties"))
                .isEqualTo("[[\"message-id\",\"m-1\"]]");
        assertThat(dead)
                .filteredOn(r -> "true".equals(KafkaProbe.header(r, "x-replayable")))
                .hasSize(4);

        // The fix: numbers are right. A probe from a third device shows the new schema is in force.
        RouteSources.write(schema, SCHEMA.formatted("number"));
        String probe = uniqueId("rp");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            device.publish(name + "/" + probe + "/soil", reading(1.0, 5));
            assertThat(KAFKA.read("device.telemetry", r -> probe.equals(r.key())))
                    .isNotEmpty();
        });

        Http http = new Http(port);
        JsonNode first = replay(http, "{\"reason\":\"schema-violation\",\"deviceId\":\"" + id + "\"}");
        assertThat(first.get("matched").asLong()).isEqualTo(3);
        assertThat(first.get("passed").asLong()).isEqualTo(3);
        assertThat(first.get("rejected").asLong()).isZero();
        assertThat(KAFKA.awaitKey("device.telemetry", id, 3)).hasSize(3);
        await().atMost(Duration.ofSeconds(30)).until(() -> sensorData().countDocuments(eq("deviceId", id)) == 3);

        // Everything of that device: the replayed three are skipped, the truncated JSON is still bad, the report is
        // not telemetry.
        JsonNode all = replay(http, "{\"deviceId\":\"" + id + "\"}");
        assertThat(all.get("matched").asLong()).isEqualTo(5);
        assertThat(all.get("alreadyReplayed").asLong()).isEqualTo(3);
        assertThat(all.get("passed").asLong()).isZero();
        assertThat(all.get("rejected").asLong()).isEqualTo(1);
        assertThat(all.path("rejectedByReason").path("not-json").asLong()).isEqualTo(1);
        assertThat(all.path("rejections").get(0).path("deviceId").asText()).isEqualTo(id);
        assertThat(all.path("rejections").get(0).path("detail").asText()).startsWith("payload is not valid JSON");
        assertThat(all.get("notReplayable").asLong()).isEqualTo(1);

        // Again: nothing new anywhere. The replay is synchronous, so Kafka already holds all it will get.
        JsonNode again = replay(http, "{\"reason\":\"schema-violation\",\"deviceId\":\"" + id + "\"}");
        assertThat(again.get("alreadyReplayed").asLong()).isEqualTo(3);
        assertThat(again.get("passed").asLong()).isZero();
        assertThat(KAFKA.read("device.telemetry", r -> id.equals(r.key()))).hasSize(3);
        assertThat(sensorData().countDocuments(eq("deviceId", id))).isEqualTo(3);
        // A record rejected again is not dead-lettered twice.
        assertThat(KAFKA.read(DLQ, r -> id.equals(r.key()))).hasSize(5);

        // A dry run reports without re-injecting; a time range after the rejects selects none of them.
        JsonNode dryRun = replay(http, "{\"deviceId\":\"" + other + "\",\"dryRun\":true}");
        assertThat(dryRun.get("passed").asLong()).isEqualTo(1);
        assertThat(KAFKA.read("device.telemetry", r -> other.equals(r.key()))).isEmpty();
        JsonNode later = replay(http, "{\"deviceId\":\"" + other + "\",\"from\":\"" + Instant.now() + "\"}");
        assertThat(later.get("matched").asLong()).isZero();
    }

    @Test
    void badSelectionsAreRejectedWithTheReason() {
        Http http = new Http(port);
        Http.Json unknownReason = Http.Json.of(http.post(REPLAY, "{\"reason\":\"bogus\"}", true));
        assertThat(unknownReason.status()).isEqualTo(400);
        assertThat(unknownReason.body().path("reason").asText()).isEqualTo("invalid-parameter");
        assertThat(unknownReason.body().path("detail").asText()).contains("schema-violation");

        Http.Json badTime = Http.Json.of(http.post(REPLAY, "{\"from\":\"yesterday\"}", true));
        assertThat(badTime.status()).isEqualTo(400);
        assertThat(badTime.body().path("detail").asText()).contains("ISO-8601");

        Http.Json badLimit = Http.Json.of(http.post(REPLAY, "{\"limit\":0}", true));
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.body().path("detail").asText()).contains("limit");
    }

    private static JsonNode replay(Http http, String selection) {
        Http.Json answer = Http.Json.of(http.post(REPLAY, selection, true));
        assertThat(answer.status()).as(answer.text()).isEqualTo(200);
        return answer.body();
    }

    private static byte[] reading(double moisture, int second) {
        return ("{\"moisture\":" + moisture + ",\"ts\":" + (1763320400 + second) + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private boolean isStarted(String routeId) {
        var status = camel.getRouteController().getRouteStatus(routeId);
        return status != null && status.isStarted();
    }

    private static final String SCHEMA =
            """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
             "required":["moisture"],"properties":{"moisture":{"type":"%s"},"ts":{"type":"number"}}}
            """;

    private static final String FAMILY =
            """
            topic: %1$s/{deviceId}/soil
            schema: %1$s.schema.json
            timestamp-field: ts
            readings:
              - { sensor-type: moisture, value-field: moisture, unit: "%%" }
            """;
}
