package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.RouteSources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.camel.Route;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;

/**
 * Device families as files: adding one is a file (with its schema next to it), an edit changes the mapping of the
 * running subscription, an invalid edit keeps the running version, a schema edit re-applies the family, and deleting
 * the file removes only that family's ingest route.
 */
class FamilyReloadIT extends GatewayIntegrationTest {

    @Autowired
    TestRestTemplate rest;

    @Autowired
    ObjectMapper json;

    private Path family;
    private Path schema;

    @AfterEach
    void removeFiles() {
        if (family != null) {
            RouteSources.delete(family);
            RouteSources.delete(schema);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> camel.getRoute("ingest-receive-" + stem(family)) == null);
        }
    }

    @Test
    void addEditBreakAndDeleteAFamily() throws Exception {
        String id = uniqueId("gh");
        Route bikeIngest = camel.getRoute("ingest-receive-bike");

        // add: a new file is a new family, with its own subscription
        String name = addGreenhouse(id);
        device.publish(name + "/" + id + "/soil", "{\"moisture\":31.5,\"ts\":1763320419}");
        JsonNode first =
                json.readTree(KAFKA.awaitKey("device.telemetry", id, 1).get(0).value());
        assertThat(first.get("family").asText()).isEqualTo(name);
        assertThat(first.get("sensorType").asText()).isEqualTo("moisture");
        assertThat(first.get("unit").asText()).isEqualTo("%");
        assertThat(first.get("timestamp").asText()).isEqualTo("2025-11-16T19:13:39Z");

        // edit with the same filter: the next message uses the new mapping; the subscription is not restarted
        Route ingest = camel.getRoute("ingest-receive-" + name);
        RouteSources.write(family, family(name, "moisture").replace("unit: \"%\"", "unit: vol%"));
        awaitVersion(family, RouteReloadIT.hash(family(name, "moisture").replace("unit: \"%\"", "unit: vol%")));
        device.publish(name + "/" + id + "/soil", "{\"moisture\":30.0,\"ts\":1763320420}");
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", id, 2);
        assertThat(json.readTree(records.get(1).value()).get("unit").asText()).isEqualTo("vol%");
        assertThat(camel.getRoute("ingest-receive-" + name)).isSameAs(ingest);

        // invalid edit: kept, and the reason names the key
        RouteSources.write(family, family(name, "moisture").replace("value-field", "valu-field"));
        JsonNode failed = await().atMost(Duration.ofSeconds(15))
                .until(() -> fileStatus(family).orElseThrow(), f -> "failed"
                        .equals(f.path("lastReload").path("result").asText()));
        assertThat(failed.path("lastReload").path("error").asText()).contains("valu-field");
        assertThat(failed.path("status").asText()).isEqualTo("active");
        device.publish(name + "/" + id + "/soil", "{\"moisture\":29.0,\"ts\":1763320421}");
        assertThat(json.readTree(
                                KAFKA.awaitKey("device.telemetry", id, 3).get(2).value())
                        .get("unit")
                        .asText())
                .isEqualTo("vol%");

        // a schema edit re-applies the family that uses it: now 'moisture' must be a string, so numbers are rejected
        RouteSources.write(family, family(name, "moisture"));
        awaitVersion(family, RouteReloadIT.hash(family(name, "moisture")));
        RouteSources.write(schema, SCHEMA.formatted("moisture").replace("\"number\"", "\"string\""));
        awaitVersion(schema, RouteReloadIT.hash(SCHEMA.formatted("moisture").replace("\"number\"", "\"string\"")));
        device.publish(name + "/" + id + "/soil", "{\"moisture\":28.0,\"ts\":1763320422}");
        ConsumerRecord<String, byte[]> rejected =
                KAFKA.awaitKey("device.telemetry.dlq", id, 1).get(0);
        assertThat(KafkaProbe.header(rejected, "x-error-reason")).isEqualTo("schema-violation");

        // delete: only this family's route goes
        RouteSources.delete(family);
        await().atMost(Duration.ofSeconds(15)).until(() -> camel.getRoute("ingest-receive-" + name) == null);
        assertThat(camel.getRoute("ingest-receive-bike")).isSameAs(bikeIngest);
    }

    @Test
    void aNewFilterReplacesTheOldSubscriptionInTheSession() throws Exception {
        String id = uniqueId("gf");
        String name = addGreenhouse(id);
        device.publish(name + "/" + id + "/soil", "{\"moisture\":31.5,\"ts\":1763320419}");
        KAFKA.awaitKey("device.telemetry", id, 1);

        String moved = family(name, "moisture").replace("/soil", "/leaf");
        Route before = camel.getRoute("ingest-receive-" + name);
        RouteSources.write(family, moved);
        awaitVersion(family, RouteReloadIT.hash(moved));
        await().atMost(Duration.ofSeconds(15))
                .until(() -> camel.getRoute("ingest-receive-" + name) != before && isStarted("ingest-receive-" + name));

        // The old filter is gone from the gateway's session: a message on it is not delivered (it would be an
        // unknown-family reject), while the new filter's message, published after it, arrives.
        device.publish(name + "/" + id + "/soil", "{\"moisture\":30.0,\"ts\":1763320420}");
        device.publish(name + "/" + id + "/leaf", "{\"moisture\":29.0,\"ts\":1763320421}");
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", id, 2);
        assertThat(json.readTree(records.get(1).value()).get("sourceTopic").asText())
                .isEqualTo(name + "/" + id + "/leaf");
        // the reject would be written concurrently with the leaf record: it must stay absent for a while
        String oldTopic = name + "/" + id + "/soil";
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> KAFKA.read(
                        "device.telemetry.dlq", r -> oldTopic.equals(KafkaProbe.header(r, "x-source-topic")))
                .isEmpty());
        assertThat(KAFKA.read("device.telemetry", r -> id.equals(r.key()))).hasSize(2);
    }

    private static final String SCHEMA =
            """
            {"$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
             "required":["%1$s"],"properties":{"%1$s":{"type":"number"},"ts":{"type":"number"}}}
            """;

    /** Adds a greenhouse family (its schema, then the family file) and waits until it subscribes; returns its name. */
    private String addGreenhouse(String id) {
        String name = "greenhouse-" + id.substring(3);
        family = SOURCES.routes().resolve(name + ".family.yaml");
        schema = SOURCES.routes().resolve(name + ".schema.json");
        RouteSources.write(schema, SCHEMA.formatted("moisture"));
        RouteSources.write(family, family(name, "moisture"));
        await().atMost(Duration.ofSeconds(15)).until(() -> isStarted("ingest-receive-" + name));
        return name;
    }

    private static String family(String name, String field) {
        return """
                topic: %1$s/{deviceId}/soil
                schema: %1$s.schema.json
                timestamp-field: ts
                readings:
                  - { sensor-type: %2$s, value-field: %2$s, unit: "%%" }
                """
                .formatted(name, field);
    }

    private boolean isStarted(String routeId) {
        var status = camel.getRouteController().getRouteStatus(routeId);
        return status != null && status.isStarted();
    }

    private void awaitVersion(Path file, String version) {
        await().atMost(Duration.ofSeconds(15)).until(() -> fileStatus(file)
                .map(f -> version.equals(f.path("version").asText())
                        && "success".equals(f.path("lastReload").path("result").asText()))
                .orElse(false));
    }

    private Optional<JsonNode> fileStatus(Path target) {
        for (JsonNode f : rest.withBasicAuth(Http.VIEWER_USER, Http.VIEWER_PASSWORD)
                .getForObject("/api/routes", JsonNode.class)
                .path("files")) {
            if (f.path("file").asText().endsWith("/" + target.getFileName())) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.indexOf('.'));
    }
}
