package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.RouteSources;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.camel.Route;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;

/**
 * The project Kamelets end to end, each in a YAML route loaded by the reload manager: message in over a real
 * connection, assertion on the real sink. And a Kamelet edit re-applies the routes that use it.
 */
class KameletIT extends GatewayIntegrationTest {

    @Autowired
    TestRestTemplate rest;

    private final List<Path> files = new ArrayList<>();

    @AfterEach
    void removeFiles() {
        files.forEach(RouteSources::delete);
    }

    @Test
    void mqttSourceValidationActionAndDeadLetterSink() {
        String id = uniqueId("kt");
        writeRoute(
                id,
                """
                - route:
                    id: routing-receive-kamelet-%1$s
                    routeConfigurationId: gateway-error-policy
                    from:
                      uri: kamelet:mqtt5-device-source
                      parameters:
                        topic: kt/%1$s/+
                        brokerUrl: "{{gateway.mqtt.broker-url}}"
                        clientId: kt-%1$s
                      steps:
                        - setHeader:
                            name: kafka.KEY
                            simple: "${header.CamelMqttTopic}"
                        - doTry:
                            steps:
                              - to: kamelet:telemetry-validation-action?schema=classpath:schemas/families/devices.schema.json
                              - to: kafka:kamelet.%1$s
                            doCatch:
                              - exception: ["java.lang.Exception"]
                                steps:
                                  - setHeader:
                                      name: x-error-reason
                                      constant: schema-violation
                                  - to: kamelet:telemetry-dlq-sink?bootstrapServers={{camel.component.kafka.brokers}}&topic=kamelet.dlq.%1$s
                """
                        .formatted(id));
        await().atMost(Duration.ofSeconds(20)).until(() -> isStarted("routing-receive-kamelet-" + id));

        String valid = "{\"sensorType\":\"temperature\",\"value\":21.5}";
        String invalid = "{\"sensorType\":\"temperature\",\"value\":\"hot\"}";
        device.publish("kt/" + id + "/telemetry", valid);
        device.publish("kt/" + id + "/telemetry", invalid);

        ConsumerRecord<String, byte[]> passed =
                KAFKA.awaitKey("kamelet." + id, "kt/" + id + "/telemetry", 1).get(0);
        assertThat(new String(passed.value(), StandardCharsets.UTF_8)).isEqualTo(valid);

        ConsumerRecord<String, byte[]> dead =
                KAFKA.awaitRecords("kamelet.dlq." + id, r -> true, 1).get(0);
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo(invalid);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("schema-violation");
        assertThat(KafkaProbe.header(dead, "x-error-detail")).contains("value").contains("number");
        assertThat(KafkaProbe.header(dead, "x-source-topic")).isEqualTo("kt/" + id + "/telemetry");
        assertThat(KafkaProbe.header(dead, "x-received-at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(KAFKA.read("kamelet." + id, r -> true)).hasSize(1);
    }

    @Test
    void mongodbSinkStoresEachRecordOnce() {
        String id = uniqueId("km");
        String collection = "kamelet_" + id.replace('-', '_');
        URI mongo = URI.create(BROKERS.mongoUri());
        writeRoute(
                id,
                """
                - route:
                    id: routing-store-kamelet-%1$s
                    routeConfigurationId: gateway-error-policy
                    from:
                      uri: direct:on-record-test-store-%1$s
                      steps:
                        - filter:
                            simple: "${exchangeProperty.deviceId} == '%1$s'"
                            steps:
                              - to: kamelet:mongodb-telemetry-sink?hosts=%2$s&database=iot&collection=%3$s
                """
                        .formatted(id, mongo.getHost() + ":" + mongo.getPort(), collection));
        await().atMost(Duration.ofSeconds(20)).until(() -> isStarted("routing-store-kamelet-" + id));

        String payload = "{\"sensorType\":\"humidity\",\"value\":40.5,\"timestamp\":\"2026-11-22T10:00:00Z\"}";
        device.publish("devices/" + id + "/telemetry", payload);
        device.publish("devices/" + id + "/telemetry", payload); // the same reading again: same messageId

        // then a different reading: once it is stored, a second copy of the first would be too
        device.publish(
                "devices/" + id + "/telemetry", payload.replace("40.5", "41.5").replace("10:00:00Z", "10:00:01Z"));

        List<ConsumerRecord<String, byte[]>> canonical = KAFKA.awaitKey("device.telemetry", id, 3);
        String messageId = KafkaProbe.header(canonical.get(0), "x-message-id");
        List<Document> stored = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            stored.clear();
            mongoClient.getDatabase("iot").getCollection(collection).find().into(stored);
            return stored.stream().anyMatch(d -> d.getDouble("value") == 41.5);
        });
        assertThat(stored).hasSize(2);
        Document first = stored.stream()
                .filter(d -> d.getDouble("value") == 40.5)
                .findFirst()
                .orElseThrow();
        assertThat(first.getString("_id")).isEqualTo(messageId);
        assertThat(first.getString("deviceId")).isEqualTo(id);
        // One document shape: what the gateway's persistence stored for the same record, field for field (the reading
        // published once: the repeated one's copies differ in receivedAt, and either copy may be the last stored).
        Document once = stored.stream()
                .filter(d -> d.getDouble("value") == 41.5)
                .findFirst()
                .orElseThrow();
        Document persisted = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> mongoClient
                                .getDatabase("iot")
                                .getCollection("sensorData")
                                .find(Filters.eq("_id", once.get("_id")))
                                .first(),
                        Objects::nonNull);
        assertThat(once.get("timestamp")).isInstanceOf(Date.class);
        assertThat(once).isEqualTo(persisted);
    }

    @Test
    void kameletEditReloadsTheRoutesUsingItAndAnInvalidEditIsKept() {
        String id = uniqueId("ke");
        String kamelet = "test-tag-" + id.substring(3) + "-action";
        Path kameletFile = SOURCES.kamelets().resolve(kamelet + ".kamelet.yaml");
        files.add(kameletFile);
        RouteSources.write(kameletFile, tagKamelet(kamelet, "k1"));
        Path routeFile = writeRoute(
                id,
                """
                - route:
                    id: routing-transform-kamelet-%1$s
                    routeConfigurationId: gateway-error-policy
                    from:
                      uri: direct:on-message-test-tag-%1$s
                      steps:
                        - filter:
                            simple: "${exchangeProperty.deviceId} == '%1$s'"
                            steps:
                              - to: kamelet:%2$s
                              - to: kafka:kamelet.%1$s
                """
                        .formatted(id, kamelet));
        await().atMost(Duration.ofSeconds(20)).until(() -> isStarted("routing-transform-kamelet-" + id));
        device.publish("bike/" + id + "/power", RouteReloadIT.power(1));
        assertThat(RouteReloadIT.body(KAFKA.awaitKey("kamelet." + id, id, 1).get(0)))
                .isEqualTo("k1:" + RouteReloadIT.power(1));

        Instant before = lastReload(routeFile);
        RouteSources.write(kameletFile, tagKamelet(kamelet, "k2"));
        await().atMost(Duration.ofSeconds(20)).until(() -> lastReload(routeFile).isAfter(before));
        device.publish("bike/" + id + "/power", RouteReloadIT.power(2));
        assertThat(KAFKA.awaitKey("kamelet." + id, id, 2))
                .extracting(RouteReloadIT::body)
                .containsExactly("k1:" + RouteReloadIT.power(1), "k2:" + RouteReloadIT.power(2));

        RouteSources.write(kameletFile, tagKamelet(kamelet, "k3").replace("name: " + kamelet, "name: other"));
        JsonNode failed = await().atMost(Duration.ofSeconds(20))
                .until(() -> fileStatus(kameletFile).orElseThrow(), f -> "failed"
                        .equals(f.path("lastReload").path("result").asText()));
        assertThat(failed.path("lastReload").path("error").asText()).contains("differs from the file name");
        device.publish("bike/" + id + "/power", RouteReloadIT.power(3));
        assertThat(RouteReloadIT.body(KAFKA.awaitKey("kamelet." + id, id, 3).get(2)))
                .isEqualTo("k2:" + RouteReloadIT.power(3));

        // Deleting the route file leaves nothing behind: no route made from the Kamelet for it, however often it
        // was re-applied.
        // The file reads "deleted" once the whole removal finished: the route, then the routes of its Kamelets.
        RouteSources.delete(routeFile);
        await().atMost(Duration.ofSeconds(20))
                .until(
                        () -> fileStatus(routeFile)
                                .map(f -> f.path("status").asText())
                                .orElse(""),
                        "deleted"::equals);
        assertThat(camel.getRoute("routing-transform-kamelet-" + id)).isNull();
        assertThat(kameletRoutesOf(kamelet)).isEmpty();
    }

    private List<String> kameletRoutesOf(String kamelet) {
        return camel.getRoutes().stream()
                .filter(r -> r.isCreatedByKamelet())
                .filter(r -> kamelet.equals(r.getProperties().get(Route.TEMPLATE_PROPERTY))
                        || r.getRouteId().startsWith(kamelet))
                .map(r -> r.getRouteId() + " " + r.getProperties() + " " + r.getUptime())
                .toList();
    }

    private static String tagKamelet(String name, String tag) {
        return """
                apiVersion: camel.apache.org/v1
                kind: Kamelet
                metadata:
                  name: %1$s
                  labels:
                    camel.apache.org/kamelet.type: "action"
                spec:
                  definition:
                    title: "Tag"
                    type: object
                    properties:
                      tag:
                        type: string
                        default: "%2$s"
                  template:
                    from:
                      uri: kamelet:source
                      steps:
                        - setBody:
                            simple: "{{tag}}:${bodyAs(String)}"
                """
                .formatted(name, tag);
    }

    private Path writeRoute(String id, String content) {
        Path file = SOURCES.routes().resolve("kamelet-" + id + ".camel.yaml");
        files.add(0, file); // routes are removed before the Kamelets they use
        RouteSources.write(file, content);
        return file;
    }

    private boolean isStarted(String routeId) {
        var status = camel.getRouteController().getRouteStatus(routeId);
        return status != null && status.isStarted();
    }

    private Instant lastReload(Path file) {
        return fileStatus(file)
                .map(f -> f.path("lastReload").path("at").asText(null))
                .filter(at -> at != null && !at.equals("null"))
                .map(Instant::parse)
                .orElse(Instant.EPOCH);
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
}
