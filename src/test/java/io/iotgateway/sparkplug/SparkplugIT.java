package io.iotgateway.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.reload.ReloadManager;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.LiveConsumer;
import io.iotgateway.support.RouteSources;
import io.iotgateway.support.SseStream;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.camel.Route;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Sparkplug B family ({@code routes/sparkplug.family.yaml}) with real MQTT: an edge node built with Eclipse Tahu
 * publishes births, data by alias, deaths and mistakes; the gateway's records, status events, dead letters and
 * rebirth requests are checked where they land (Kafka, the edge node's NCMD topic).
 */
class SparkplugIT extends GatewayIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    ObjectMapper json;

    @Autowired
    MeterRegistry meters;

    @Autowired
    ReloadManager reloads;

    @Autowired
    SparkplugHost host;

    @LocalServerPort
    int port;

    private EdgeNode edge;

    @BeforeEach
    void connectEdgeNode() throws Exception {
        edge = new EdgeNode(MQTT_URL, uniqueId("plant"), "gw-1");
    }

    @AfterEach
    void closeEdgeNode() {
        edge.close();
    }

    @Test
    void birthsMakeDevicesOnlineAndDataByAliasBecomesCanonicalRecords() throws Exception {
        String node = edge.group + "/gw-1";
        String pump = node + "/pump-1";
        LiveConsumer.awaitAssigned(BROKERS.kafkaBootstrap(), WAIT);
        try (SseStream live = new SseStream(
                new Http(port).url("/events?type=status&deviceId=" + URLEncoder.encode(pump, StandardCharsets.UTF_8)),
                Map.of())) {
            await().atMost(WAIT).until(() -> live.comments().contains("connected"));
            edge.nodeBirth(21.5);
            edge.deviceBirth("pump-1", 2.0f);
            // the pump's birth, live as a status event
            await().atMost(WAIT).until(() -> live.events("status").size() == 1);
            assertThat(json.readTree(live.events("status").get(0).data())
                            .get("status")
                            .asText())
                    .isEqualTo("online");
        }
        Date time = Date.from(java.time.Instant.parse("2026-12-06T12:00:00.125Z"));
        edge.deviceData("pump-1", 2.5f, time);

        List<ConsumerRecord<String, byte[]>> statuses = KAFKA.awaitRecords(
                "device.status", r -> r.key() != null && r.key().startsWith(node), 2);
        assertThat(statuses).extracting(ConsumerRecord::key).containsExactly(node, pump);
        JsonNode nodeOnline = json.readTree(statuses.get(0).value());
        assertThat(nodeOnline.get("status").asText()).isEqualTo("online");
        assertThat(nodeOnline.get("event").asText()).isEqualTo("NBIRTH");
        assertThat(nodeOnline.get("bdSeq").asLong()).isZero();
        assertThat(json.readTree(statuses.get(1).value()).get("event").asText()).isEqualTo("DBIRTH");

        // the pump's birth values (Pressure 2.0, Running 1), then its data by alias 10
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", pump, 3);
        JsonNode data = json.readTree(records.get(2).value());
        assertThat(data.get("deviceId").asText()).isEqualTo(pump);
        assertThat(data.get("sensorType").asText()).isEqualTo("Pressure");
        assertThat(data.get("value").asDouble()).isEqualTo(2.5);
        // unit announced in the DBIRTH's metric properties, timestamp from the metric
        assertThat(data.get("unit").asText()).isEqualTo("bar");
        assertThat(data.get("timestamp").asText()).isEqualTo("2026-12-06T12:00:00.125Z");
        assertThat(data.get("family").asText()).isEqualTo("sparkplug");
        assertThat(data.get("metadata").get("alias").asLong()).isEqualTo(10);
        // the DDATA left the data type out; the DBIRTH gave it
        assertThat(data.get("metadata").get("dataType").asText()).isEqualTo("Float");
        assertThat(KafkaProbe.header(records.get(2), "x-source-topic"))
                .isEqualTo("spBv1.0/" + edge.group + "/DDATA/gw-1/pump-1");
        assertThat(json.readTree(records.get(1).value()).get("sensorType").asText())
                .isEqualTo("Running");
        JsonNode temperature =
                json.readTree(KAFKA.awaitKey("device.telemetry", node, 1).get(0).value());
        assertThat(temperature.get("sensorType").asText()).isEqualTo("Temperature");
        assertThat(temperature.get("unit").asText()).isEqualTo("°C");
    }

    @Test
    void aSeqGapIsDeadLetteredAndAsksForARebirthAfterWhichDataFlowsAgain() throws Exception {
        String node = edge.group + "/gw-1";
        double before = rejected("sparkplug-out-of-sequence");
        edge.nodeBirth(20.0);
        edge.nodeData(20.5);
        KAFKA.awaitKey("device.telemetry", node, 2);

        edge.skip(3);
        byte[] lost = edge.nodeData(21.0);
        ConsumerRecord<String, byte[]> dead =
                KAFKA.awaitKey("device.telemetry.dlq", node, 1).get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("sparkplug-out-of-sequence");
        assertThat(KafkaProbe.header(dead, "x-error-detail")).contains("expected 2");
        assertThat(dead.value()).isEqualTo(lost);
        await().atMost(WAIT).until(edge::rebirthRequested);
        assertThat(rejected("sparkplug-out-of-sequence")).isEqualTo(before + 1);

        // until the rebirth, the node's data cannot be trusted either
        edge.nodeData(21.5);
        KAFKA.awaitKey("device.telemetry.dlq", node, 2);

        // the edge node answers the request: births, and its data is taken again
        edge.nodeBirth(22.0);
        edge.nodeData(22.5);
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", node, 4);
        assertThat(json.readTree(records.get(3).value()).get("value").asDouble())
                .isEqualTo(22.5);
    }

    @Test
    void dataBeforeBirthIsAnUnknownAliasAndAsksForARebirth() throws Exception {
        double before = rejected("sparkplug-unknown-alias");
        byte[] data = edge.deviceData("pump-9", 1.0f, new Date());

        ConsumerRecord<String, byte[]> dead = KAFKA.awaitRecords(
                        "device.telemetry.dlq",
                        r -> ("spBv1.0/" + edge.group + "/DDATA/gw-1/pump-9")
                                .equals(KafkaProbe.header(r, "x-source-topic")),
                        1)
                .get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("sparkplug-unknown-alias");
        assertThat(dead.value()).isEqualTo(data);
        await().atMost(WAIT).until(edge::rebirthRequested);
        assertThat(rejected("sparkplug-unknown-alias")).isEqualTo(before + 1);
    }

    @Test
    void deathMakesTheNodeAndItsDevicesOfflineButAnOldSessionsDeathDoesNot() throws Exception {
        String node = edge.group + "/gw-1";
        edge.nodeBirth(20.0);
        edge.deviceBirth("pump-1", 1.0f);
        KAFKA.awaitKey("device.status", node + "/pump-1", 1);

        edge.nodeDeath();
        List<ConsumerRecord<String, byte[]>> offline = KAFKA.awaitRecords(
                "device.status",
                r -> r.key() != null
                        && r.key().startsWith(node)
                        && r.value() != null
                        && new String(r.value(), java.nio.charset.StandardCharsets.UTF_8).contains("\"offline\""),
                2);
        assertThat(offline).extracting(ConsumerRecord::key).containsExactlyInAnyOrder(node, node + "/pump-1");
        assertThat(json.readTree(offline.get(0).value()).get("event").asText()).isEqualTo("NDEATH");

        // a new session (bdSeq 1), then the broker delivers session 0's will late: the node stays online
        edge.nodeBirth(21.0);
        await().atMost(WAIT)
                .until(() ->
                        KAFKA.read("device.status", r -> node.equals(r.key())).size() == 3);
        edge.publishRaw("spBv1.0/" + edge.group + "/NDEATH/gw-1", staleDeath());
        edge.nodeData(21.5);
        KAFKA.awaitKey("device.telemetry", node, 3);
        assertThat(KAFKA.read("device.status", r -> node.equals(r.key()))).hasSize(3);
    }

    @Test
    void afterARestartTheFirstDataAsksForARebirthThatRebuildsTheState() throws Exception {
        String node = edge.group + "/gw-1";
        String pump = node + "/pump-1";
        edge.nodeBirth(20.0);
        edge.deviceBirth("pump-1", 1.0f);
        edge.deviceData("pump-1", 1.5f, new Date());
        KAFKA.awaitKey("device.telemetry", pump, 3);

        // what a gateway restart does to the host's state, which lives in memory
        host.forgetAll();
        byte[] unknown = edge.deviceData("pump-1", 1.6f, new Date());
        ConsumerRecord<String, byte[]> dead =
                KAFKA.awaitKey("device.telemetry.dlq", node, 1).get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("sparkplug-unknown-alias");
        assertThat(dead.value()).isEqualTo(unknown);
        await().atMost(WAIT).until(edge::rebirthRequested);

        // the edge node answers with its births; its data by alias is resolved again
        edge.nodeBirth(20.0);
        edge.deviceBirth("pump-1", 1.7f);
        edge.deviceData("pump-1", 1.8f, new Date());
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", pump, 6);
        JsonNode last = json.readTree(records.get(5).value());
        assertThat(last.get("sensorType").asText()).isEqualTo("Pressure");
        assertThat(last.get("value").asDouble()).isEqualTo(1.8, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void aCommandToASparkplugDeviceIsADcmdSettledByTheDevicesNextData() throws Exception {
        String pump = edge.group + "/gw-1/pump-1";
        edge.nodeBirth(20.0);
        edge.deviceBirth("pump-1", 1.0f);
        KAFKA.awaitKey("device.status", pump, 1);

        KAFKA.send(
                "device.commands",
                pump,
                ("{\"deviceId\":\"" + pump + "\",\"component\":\"Pressure\",\"command\":\"set\",\"value\":3.5}")
                        .getBytes(StandardCharsets.UTF_8));
        String dcmd = "spBv1.0/" + edge.group + "/DCMD/gw-1/pump-1";
        await().atMost(WAIT).until(() -> edge.commanded(dcmd, "Pressure") != null);
        // written as the data type the DBIRTH announced
        assertThat(edge.commanded(dcmd, "Pressure")).isEqualTo(3.5f);
        await().atMost(WAIT).until(() -> commandStatuses(pump).contains("PENDING"));

        // the device applies it and reports the new value: the command is ACKED
        edge.deviceData("pump-1", 3.5f, new Date());
        await().atMost(WAIT).until(() -> commandStatuses(pump).equals(List.of("ACKED")));

        // a metric the birth did not announce is refused, as an unknown component
        KAFKA.send(
                "device.commands",
                pump,
                ("{\"deviceId\":\"" + pump + "\",\"component\":\"Speed\",\"command\":\"set\",\"value\":1}")
                        .getBytes(StandardCharsets.UTF_8));
        ConsumerRecord<String, byte[]> refused = KAFKA.awaitRecords(
                        "device.telemetry.dlq",
                        r -> "unknown-component".equals(KafkaProbe.header(r, "x-error-reason"))
                                && String.valueOf(KafkaProbe.header(r, "x-error-detail"))
                                        .contains(pump),
                        1)
                .get(0);
        assertThat(KafkaProbe.header(refused, "x-error-detail")).contains("Speed");
    }

    @Test
    void aPayloadThatIsNotSparkplugIsDeadLetteredAsNotProtobuf() throws Exception {
        byte[] garbage = "{\"temperature\": 20}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        edge.publishRaw("spBv1.0/" + edge.group + "/NDATA/gw-1", garbage);

        ConsumerRecord<String, byte[]> dead =
                KAFKA.awaitKey("device.telemetry.dlq", edge.group + "/gw-1", 1).get(0);
        assertThat(KafkaProbe.header(dead, "x-error-reason")).isEqualTo("not-protobuf");
        assertThat(dead.value()).isEqualTo(garbage);
    }

    @Test
    void reloadingTheFamilyFileKeepsTheSubscriptionAndTheEdgeNodesState() throws Exception {
        Path file = SOURCES.routes().resolve("sparkplug.family.yaml");
        String original = RouteSources.read(file);
        String node = edge.group + "/gw-1";
        Route before = camel.getRoute("ingest-receive-sparkplug");
        edge.nodeBirth(20.0);
        KAFKA.awaitKey("device.telemetry", node, 1);
        try {
            String edited = original + "\nrate-limit: { per-device: 500, burst: 1000 }\n";
            RouteSources.write(file, edited);
            await().atMost(WAIT).until(() -> "success".equals(lastReload(file, edited)));
            assertThat(camel.getRoute("ingest-receive-sparkplug")).isSameAs(before);

            // the aliases learnt before the reload still resolve
            edge.nodeData(20.5);
            List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", node, 2);
            assertThat(json.readTree(records.get(1).value()).get("sensorType").asText())
                    .isEqualTo("Temperature");

            // an invalid edit keeps the running version
            String invalid = original + "\nreadings:\n  - { sensor-type: x, value-field: x }\n";
            RouteSources.write(file, invalid);
            await().atMost(WAIT).until(() -> "failed".equals(lastReload(file, null)));
            edge.nodeData(21.0);
            KAFKA.awaitKey("device.telemetry", node, 3);
        } finally {
            RouteSources.write(file, original);
            await().atMost(WAIT).until(() -> "success".equals(lastReload(file, original)));
        }
    }

    /** The last reload result of {@code file}, once its running version is {@code content} (null: any version). */
    private String lastReload(Path file, String content) throws Exception {
        String version = content == null ? null : sha256(content).substring(0, 12);
        return reloads.files().stream()
                .filter(f -> f.file().endsWith("/" + file.getFileName()))
                .filter(f -> version == null || version.equals(f.version()))
                .map(f -> f.lastReload().result())
                .findFirst()
                .orElse(null);
    }

    private static String sha256(String content) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(content.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private double rejected(String reason) {
        var counter =
                meters.find("gateway.sparkplug.rejected").tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static byte[] staleDeath() throws IOException {
        try {
            var payload = new org.eclipse.tahu.message.model.SparkplugBPayload.SparkplugBPayloadBuilder()
                    .setTimestamp(new Date())
                    .addMetric(new org.eclipse.tahu.message.model.Metric.MetricBuilder(
                                    "bdSeq", org.eclipse.tahu.message.model.MetricDataType.Int64, 0L)
                            .createMetric())
                    .createPayload();
            return new org.eclipse.tahu.message.SparkplugBPayloadEncoder().getBytes(payload, false);
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
