package io.iotgateway.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.SimulatedActuator;
import io.iotgateway.support.SimulatedActuator.Behaviour;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The command loop end to end: HTTP or Kafka in, the real MQTT broker, a device that reports back, Kafka and Mongo. */
class CommandIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LOOP = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    @Autowired
    MeterRegistry meters;

    Http api;
    String deviceId;
    SimulatedActuator actuator;

    @BeforeEach
    void device() {
        api = new Http(port);
        deviceId = uniqueId("bike");
        actuator = new SimulatedActuator(BROKERS.mqttUrl(), deviceId);
    }

    @AfterEach
    void closeDevice() {
        actuator.close();
    }

    @Test
    void httpCommandReachesTheDeviceAndItsReportSettlesIt() throws IOException {
        Http.Json accepted =
                api.postJson("/api/devices/" + deviceId + "/commands/fan", "{\"command\":\"setSpeed\",\"value\":75}");

        assertThat(accepted.status()).isEqualTo(202);
        String commandId = accepted.body().get("commandId").asText();
        assertThat(accepted.body().get("status").asText()).isEqualTo("PENDING");

        await().atMost(LOOP).until(() -> actuator.received().size() == 1);
        SimulatedActuator.Received received = actuator.received().get(0);
        assertThat(received.topic()).isEqualTo("devices/" + deviceId + "/commands/fan");
        assertThat(received.correlation()).isEqualTo(commandId);
        assertThat(received.responseTopic()).isEqualTo("devices/" + deviceId + "/reports/fan");
        assertThat(received.payload().get("command").asText()).isEqualTo("setSpeed");
        assertThat(received.payload().get("value").asDouble()).isEqualTo(75.0);

        JsonNode settled = awaitStatus(commandId, "ACKED");
        assertThat(settled.get("state").get("value").asDouble()).isEqualTo(75.0);
        assertThat(settled.get("roundTripMs").asLong()).isNotNegative();
        assertThat(actuator.state(deviceId, "fan")).isEqualTo(75.0);

        ConsumerRecord<String, byte[]> report =
                KAFKA.awaitKey("bike." + deviceId + ".fan.report", deviceId, 1).get(0);
        JsonNode reportBody = JSON.readTree(report.value());
        assertThat(reportBody.get("commandId").asText()).isEqualTo(commandId);
        assertThat(reportBody.get("status").asText()).isEqualTo("ACKED");
        assertThat(reportBody.get("state").get("value").asDouble()).isEqualTo(75.0);

        JsonNode status = statusRecord(commandId, "ACKED");
        assertThat(status.get("component").asText()).isEqualTo("fan");

        Document stored = mongoClient
                .getDatabase("iot")
                .getCollection("controlCommands")
                .find(new Document("_id", commandId))
                .first();
        assertThat(stored).isNotNull();
        assertThat(stored.getString("status")).isEqualTo("ACKED");
        assertThat(stored.getString("deviceId")).isEqualTo(deviceId);
        assertThat(stored.get("timestamp")).isInstanceOf(Date.class);

        Http.Json listed = api.getJson("/api/devices/" + deviceId + "/commands");
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.body()).hasSize(1);
        assertThat(listed.body().get(0).get("commandId").asText()).isEqualTo(commandId);
    }

    @Test
    void concurrentCommandsBeyondTheBrokersInFlightLimitAllReachTheDevice() throws Exception {
        int commands = 40;
        HttpClient http = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            responses.add(http.sendAsync(
                    HttpRequest.newBuilder(URI.create(api.url("/api/devices/" + deviceId + "/commands/fan")))
                            .header("Content-Type", "application/json")
                            .header("Authorization", Http.OPERATOR)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"command\":\"setSpeed\",\"value\":" + i + "}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString()));
        }

        for (CompletableFuture<HttpResponse<String>> response : responses) {
            assertThat(response.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(202);
        }
        await().atMost(LOOP).until(() -> actuator.received().size() >= commands);
        // A later command to the same device: once it has arrived, a late duplicate of an earlier one would have too.
        String sentinel = send("fan", "{\"command\":\"setSpeed\",\"value\":99}");
        await().atMost(LOOP).until(() -> actuator.received().stream().anyMatch(r -> sentinel.equals(r.correlation())));
        assertThat(actuator.received()).hasSize(commands + 1);
        assertThat(actuator.received())
                .extracting(SimulatedActuator.Received::correlation)
                .doesNotHaveDuplicates();
    }

    @Test
    void deviceRefusalMarksTheCommandFailedWithTheDevicesReason() throws IOException {
        actuator.behave("resistance", Behaviour.REFUSE);

        String commandId = send("resistance", "{\"command\":\"setLevel\",\"value\":40}");

        JsonNode failed = awaitStatus(commandId, "FAILED");
        assertThat(failed.get("reason").asText()).isEqualTo("resistance is locked");
        JsonNode report = JSON.readTree(KAFKA.awaitKey("bike." + deviceId + ".resistance.report", deviceId, 1)
                .get(0)
                .value());
        assertThat(report.get("status").asText()).isEqualTo("FAILED");
        assertThat(report.get("reason").asText()).isEqualTo("resistance is locked");
    }

    @Test
    void commandWithoutReportTimesOutAndTheTimeoutIsAnnounced() throws IOException {
        actuator.behave("incline", Behaviour.IGNORE);

        String commandId = send("incline", "{\"command\":\"setIncline\",\"value\":-5}");

        await().atMost(LOOP).until(() -> actuator.received().size() == 1);
        awaitStatus(commandId, "TIMED_OUT");
        JsonNode announced = statusRecord(commandId, "TIMED_OUT");
        assertThat(announced.get("value").asDouble()).isEqualTo(-5.0);
    }

    @Test
    void invalidHttpCommandsAreRefusedWithTheReasonAndReachNoDevice() {
        String base = "/api/devices/" + deviceId + "/commands/";
        Map<String, String[]> cases = Map.of(
                "unknown component",
                        new String[] {"sunroof", "{\"command\":\"open\",\"value\":1}", "unknown-component"},
                "out of range", new String[] {"fan", "{\"command\":\"setSpeed\",\"value\":150}", "value-out-of-range"},
                "truncated JSON", new String[] {"fan", "{\"command\":\"setSpeed\",", "invalid-command"},
                "unexpected field",
                        new String[] {"fan", "{\"command\":\"setSpeed\",\"value\":5,\"speed\":5}", "invalid-command"},
                "other device",
                        new String[] {
                            "fan",
                            "{\"command\":\"setSpeed\",\"value\":5,\"deviceId\":\"someone-else\"}",
                            "device-id-mismatch"
                        },
                "value not a number",
                        new String[] {"incline", "{\"command\":\"setIncline\",\"value\":\"steep\"}", "invalid-command"},
                "empty body", new String[] {"fan", "", "invalid-command"});

        cases.forEach((name, c) -> {
            Http.Json response = api.postJson(base + c[0], c[1]);
            assertThat(response.status()).as(name).isEqualTo(400);
            assertThat(response.contentType()).as(name).contains("application/problem+json");
            assertThat(response.body().get("reason").asText()).as(name).isEqualTo(c[2]);
            assertThat(response.body().get("detail").asText()).as(name).isNotBlank();
            assertThat(response.text()).as(name).doesNotContain("Exception").doesNotContain("\tat ");
        });
        assertThat(api.postJson(base + "fan", "{\"command\":\"setSpeed\",\"value\":150}")
                        .body()
                        .get("detail")
                        .asText())
                .isEqualTo("value 150 is outside the range of fan: 0 to 100");
        assertThat(actuator.received()).isEmpty();
        assertThat(api.getJson(base.substring(0, base.length() - 1)).body()).isEmpty();
    }

    @Test
    void unknownCommandIdIs404() {
        Http.Json response = api.getJson("/api/commands/does-not-exist");
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.body().get("reason").asText()).isEqualTo("unknown-command");
    }

    @Test
    void kafkaCommandOnTheSeedTopicReachesTheDeviceOnce() {
        String topic = "bike." + deviceId + ".fan.command";
        byte[] command = ("{\"deviceId\":\"" + deviceId
                        + "\",\"command\":\"setSpeed\",\"value\":60,\"timestamp\":\"2024-01-14T15:32:02.444Z\"}")
                .getBytes(StandardCharsets.UTF_8);
        double duplicatesBefore = duplicates();

        // The same command delivered twice, as after a consumer crash before its offset commit.
        KAFKA.send(topic, deviceId, command, Map.of("x-command-id", "cmd-" + deviceId));
        KAFKA.send(topic, deviceId, command, Map.of("x-command-id", "cmd-" + deviceId));

        awaitStatus("cmd-" + deviceId, "ACKED");
        await().atMost(LOOP).until(() -> duplicates() >= duplicatesBefore + 1);
        assertThat(actuator.state(deviceId, "fan")).isEqualTo(60.0);
        // A later command on the same topic (same partition, same device): once the device has it, the duplicate
        // would have reached the device before it.
        KAFKA.send(
                topic,
                deviceId,
                ("{\"deviceId\":\"" + deviceId
                                + "\",\"command\":\"setSpeed\",\"value\":61,\"timestamp\":\"2024-01-14T15:32:03Z\"}")
                        .getBytes(StandardCharsets.UTF_8),
                Map.of("x-command-id", "later-" + deviceId));
        await().atMost(LOOP)
                .until(() -> actuator.received().stream().anyMatch(r -> ("later-" + deviceId).equals(r.correlation())));
        assertThat(actuator.received())
                .extracting(SimulatedActuator.Received::correlation)
                .containsExactly("cmd-" + deviceId, "later-" + deviceId);
    }

    @Test
    void kafkaCommandOnTheGenericTopicNamesItsTargetInTheBody() {
        KAFKA.send(
                "device.commands",
                deviceId,
                ("{\"commandId\":\"gen-" + deviceId + "\",\"deviceId\":\"" + deviceId
                                + "\",\"component\":\"resistance\",\"command\":\"setLevel\",\"value\":30}")
                        .getBytes(StandardCharsets.UTF_8));

        awaitStatus("gen-" + deviceId, "ACKED");
        assertThat(actuator.state(deviceId, "resistance")).isEqualTo(30.0);
    }

    @Test
    void invalidKafkaCommandIsDeadLetteredWithItsReason() {
        String topic = "bike." + deviceId + ".fan.command";
        byte[] command = "{\"command\":\"setSpeed\",\"value\":101}".getBytes(StandardCharsets.UTF_8);

        KAFKA.send(topic, deviceId, command);

        ConsumerRecord<String, byte[]> dead = KAFKA.awaitRecords(
                        "device.telemetry.dlq", r -> topic.equals(KafkaProbe.header(r, "x-source-topic")), 1)
                .get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("value-out-of-range");
        assertThat(KafkaProbe.header(dead, "x-error-detail")).contains("101").contains("0 to 100");
        assertThat(dead.key()).isEqualTo(deviceId);
        assertThat(dead.value()).isEqualTo(command);
        assertThat(actuator.received()).isEmpty();
    }

    @Test
    void reportWithoutACommandIsForwardedAsTheDevicesOwnState() throws IOException {
        actuator.report("devices/" + deviceId + "/reports/fan", "{\"value\":20,\"cause\":\"button\"}", null);

        JsonNode report = JSON.readTree(KAFKA.awaitKey("bike." + deviceId + ".fan.report", deviceId, 1)
                .get(0)
                .value());
        assertThat(report.get("status").asText()).isEqualTo("REPORTED");
        assertThat(report.get("state").get("cause").asText()).isEqualTo("button");
        assertThat(report.has("commandId")).isFalse();
    }

    @Test
    void malformedReportIsDeadLettered() {
        String topic = "devices/" + deviceId + "/reports/fan";
        actuator.report(topic, "{not json", null);

        ConsumerRecord<String, byte[]> dead = KAFKA.awaitRecords(
                        "device.telemetry.dlq", r -> topic.equals(KafkaProbe.header(r, "x-source-topic")), 1)
                .get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("invalid-report");
        assertThat(new String(dead.value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
    }

    /** Sends a command over HTTP, expects it accepted, and returns its id. */
    private String send(String component, String body) {
        Http.Json response = api.postJson("/api/devices/" + deviceId + "/commands/" + component, body);
        assertThat(response.status()).isEqualTo(202);
        return response.body().get("commandId").asText();
    }

    private JsonNode awaitStatus(String commandId, String status) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(LOOP).pollInterval(Duration.ofMillis(100)).until(() -> {
            Http.Json response = api.getJson("/api/commands/" + commandId);
            found[0] = response.body();
            return response.status() == 200
                    && status.equals(found[0].get("status").asText());
        });
        return found[0];
    }

    private JsonNode statusRecord(String commandId, String status) throws IOException {
        ConsumerRecord<String, byte[]> record = KAFKA.awaitRecords(
                        "device.commands.status",
                        r -> deviceId.equals(r.key())
                                && new String(r.value(), StandardCharsets.UTF_8).contains(commandId)
                                && new String(r.value(), StandardCharsets.UTF_8).contains("\"" + status + "\""),
                        1)
                .get(0);
        return JSON.readTree(record.value());
    }

    private double duplicates() {
        var counter = meters.find("gateway.commands").tag("status", "duplicate").counter();
        return counter == null ? 0 : counter.count();
    }
}
