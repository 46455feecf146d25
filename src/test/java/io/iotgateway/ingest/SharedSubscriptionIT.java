package io.iotgateway.ingest;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.InstalledTool;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MosquittoBroker;
import io.iotgateway.support.MqttDevice;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two gateway replicas in one MQTT 5 shared-subscription group on a real Mosquitto process, the broker users run: the
 * broker gives each message to one of them, never both, and spreads the load. (Embedded HiveMQ CE was seen to hand all
 * 60 messages to one replica, so the split is checked on Mosquitto.) The same replicas carry the end-to-end ingest test
 * through Mosquitto. Their documents are stored by the shared test gateway's persistence, which reads the same topic.
 */
class SharedSubscriptionIT extends GatewayIntegrationTest {

    private static final int MESSAGES = 60;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static MosquittoBroker mosquitto;
    private static ConfigurableApplicationContext first;
    private static ConfigurableApplicationContext second;

    private MqttDevice mosquittoDevice;
    private KafkaProbe.Tail telemetry;

    @BeforeAll
    static void replicasOnMosquitto() {
        // Lives until the test JVM exits (MosquittoBroker has no stop); one small process.
        mosquitto = MosquittoBroker.startIfInstalled();
        InstalledTool.require(mosquitto != null, () -> "Mosquitto (/usr/sbin/mosquitto) is not installed");
        first = replica("gw-replica-a");
        second = replica("gw-replica-b");
        awaitSubscribed(first);
        awaitSubscribed(second);
    }

    @AfterAll
    static void stopReplicas() {
        for (ConfigurableApplicationContext replica : new ConfigurableApplicationContext[] {first, second}) {
            if (replica != null) {
                replica.close();
            }
        }
    }

    @BeforeEach
    void connectToMosquitto() {
        mosquittoDevice = new MqttDevice(mosquitto.url());
        telemetry = KAFKA.tail("device.telemetry");
    }

    @AfterEach
    void disconnectFromMosquitto() {
        mosquittoDevice.close();
        telemetry.close();
    }

    @Test
    void replicasSplitTheLoad() {
        String run = uniqueId("shared");
        double firstBefore = received(first);
        double secondBefore = received(second);
        for (int i = 0; i < MESSAGES; i++) {
            mosquittoDevice.publish(
                    "devices/" + run + "-" + i + "/telemetry",
                    "{\"sensorType\":\"t\",\"value\":%d,\"timestamp\":1763320419}".formatted(i));
        }
        // Only the replicas subscribe at Mosquitto, so every record of the run in Kafka came through the group.
        List<ConsumerRecord<String, byte[]>> records =
                telemetry.awaitRecords(r -> runMessage(run, r), MESSAGES, Duration.ofSeconds(60));
        assertThat(records).hasSize(MESSAGES);
        double firstShare = received(first) - firstBefore;
        double secondShare = received(second) - secondBefore;

        // A duplicate (a message given to both) would reach Kafka before a later message of the same replica: send
        // sentinels until each replica has taken one, then count.
        awaitSentinelThroughEachReplica(run);

        await().atMost(Duration.ofSeconds(30)).until(() -> idle(first) && idle(second));
        List<ConsumerRecord<String, byte[]>> all = KAFKA.read("device.telemetry", r -> runMessage(run, r));
        assertThat(all.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting())))
                .hasSize(MESSAGES)
                .allSatisfy((key, count) -> assertThat(count).as(key).isEqualTo(1));
        assertThat(firstShare + secondShare).isEqualTo(MESSAGES);
        String split = "split a=%.0f b=%.0f".formatted(firstShare, secondShare);
        assertThat(firstShare).as(split).isGreaterThanOrEqualTo(MESSAGES * 0.2);
        assertThat(secondShare).as(split).isGreaterThanOrEqualTo(MESSAGES * 0.2);
    }

    @Test
    void aReplicaWithoutCommandRoutesTellsACommandCallerSo() {
        int port = Integer.parseInt(first.getEnvironment().getProperty("local.server.port"));
        Http.Json refused = new Http(port)
                .postJson(
                        "/api/devices/" + uniqueId("cmd") + "/commands/fan", "{\"command\":\"setSpeed\",\"value\":75}");

        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.body().get("reason").asText()).isEqualTo("commands-disabled");
        assertThat(refused.body().get("detail").asText()).contains("gateway.commands.enabled=false");
    }

    @Test
    void bikeReadingThroughMosquittoLandsInKafkaAndMongo() throws Exception {
        String id = uniqueId("mosq-bike");
        String topic = "bike/" + id + "/heartrate";
        String payload =
                "{\"value\":142,\"unitName\":\"BPM\",\"timestamp\":1757841776.3686342,\"metadata\":{\"deviceName\":\"hrm\"}}";
        mosquittoDevice.publish(topic, payload);

        ConsumerRecord<String, byte[]> record = telemetry
                .awaitRecords(r -> id.equals(r.key()), 1, Duration.ofSeconds(60))
                .get(0);
        JsonNode body = JSON.readTree(record.value());
        String messageId = body.get("messageId").asText();
        assertThat(body.get("deviceId").asText()).isEqualTo(id);
        assertThat(body.get("family").asText()).isEqualTo("bike");
        assertThat(body.get("sensorType").asText()).isEqualTo("heartrate");
        assertThat(body.get("value").asDouble()).isEqualTo(142.0);
        assertThat(body.get("unit").asText()).isEqualTo("BPM");
        assertThat(body.get("timestamp").asText()).isEqualTo("2025-09-14T09:22:56.369Z");
        assertThat(body.get("sourceTopic").asText()).isEqualTo(topic);
        assertThat(body.get("metadata").get("deviceName").asText()).isEqualTo("hrm");
        assertThat(KafkaProbe.header(record, "x-message-id")).isEqualTo(messageId);
        assertThat(KafkaProbe.header(record, "x-source-topic")).isEqualTo(topic);
        assertThat(KafkaProbe.header(record, "x-family")).isEqualTo("bike");
        assertThat(KafkaProbe.header(record, "x-received-at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        // the seed fan-out hook ran on the replica too: the payload byte for byte
        ConsumerRecord<String, byte[]> seed =
                KAFKA.awaitKey("bike." + id + ".heartrate", id, 1).get(0);
        assertThat(new String(seed.value(), StandardCharsets.UTF_8)).isEqualTo(payload);

        await().atMost(Duration.ofSeconds(30)).until(() -> sensorData().countDocuments(eq("_id", messageId)) == 1);
        Document stored = sensorData().find(eq("_id", messageId)).first();
        assertThat(stored.getString("deviceId")).isEqualTo(id);
        assertThat(stored.getString("sensorType")).isEqualTo("heartrate");
        assertThat(stored.getDouble("value")).isEqualTo(142.0);
        assertThat(stored.getDate("timestamp")).isEqualTo(Date.from(Instant.parse("2025-09-14T09:22:56.369Z")));

        // A later reading of the same device: once it is stored, a duplicate of the first would have been too.
        mosquittoDevice.publish(topic, "{\"value\":143,\"unitName\":\"BPM\",\"timestamp\":1757841777}");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sensorData().countDocuments(and(eq("deviceId", id), eq("value", 143.0))) == 1);
        assertThat(telemetry.awaitRecords(r -> id.equals(r.key()), 2, Duration.ofSeconds(30)))
                .hasSize(2);
        assertThat(sensorData().countDocuments(eq("deviceId", id))).isEqualTo(2);
        assertThat(KAFKA.read("bike." + id + ".heartrate", r -> true)).hasSize(2);
    }

    /** Publishes sentinel messages (bounded) until each replica has processed at least one of them. */
    private void awaitSentinelThroughEachReplica(String run) {
        Map<ConfigurableApplicationContext, Double> before =
                List.of(first, second).stream().collect(Collectors.toMap(Function.identity(), r -> received(r)));
        for (int k = 0;
                k < 20 && (received(first) == before.get(first) || received(second) == before.get(second));
                k++) {
            String sentinel = run + "-sentinel" + k;
            mosquittoDevice.publish(
                    "devices/" + sentinel + "/telemetry",
                    "{\"sensorType\":\"t\",\"value\":-1,\"timestamp\":1763320419}");
            assertThat(telemetry.awaitRecords(r -> sentinel.equals(r.key()), 1, Duration.ofSeconds(30)))
                    .hasSize(1);
        }
        assertThat(received(first)).as("a sentinel through replica a").isGreaterThan(before.get(first));
        assertThat(received(second)).as("a sentinel through replica b").isGreaterThan(before.get(second));
    }

    /** One of the run's numbered messages (not a sentinel). */
    private static boolean runMessage(String run, ConsumerRecord<String, byte[]> record) {
        return record.key() != null && record.key().matches(Pattern.quote(run) + "-\\d+");
    }

    private static boolean idle(ConfigurableApplicationContext replica) {
        return replica.getBean(CamelContext.class).getInflightRepository().size() == 0;
    }

    private static ConfigurableApplicationContext replica(String clientId) {
        return GatewayInstance.start(Map.of(
                "gateway.mqtt.broker-url",
                mosquitto.url(),
                "gateway.mqtt.client-id",
                clientId,
                "gateway.mqtt.shared-group",
                "split-test",
                // a fresh session: the group must not inherit another run's queue
                "gateway.mqtt.session-expiry-seconds",
                "1",
                // ingest is under test; the shared test gateway stores what they write
                "gateway.persistence.enabled",
                "false",
                "gateway.commands.enabled",
                "false",
                "gateway.twins.enabled",
                "false",
                "gateway.live.enabled",
                "false"));
    }

    private static void awaitSubscribed(ConfigurableApplicationContext replica) {
        CamelContext camel = replica.getBean(CamelContext.class);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> List.of("ingest-receive-devices", "ingest-receive-bike").stream()
                        .allMatch(route ->
                                camel.getRouteController().getRouteStatus(route).isStarted()));
    }

    private static double received(ConfigurableApplicationContext replica) {
        Counter counter = replica.getBean(MeterRegistry.class)
                .find("gateway.ingest.messages")
                .tag("family", "devices")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
