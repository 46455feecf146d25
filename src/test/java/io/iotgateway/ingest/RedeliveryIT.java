package io.iotgateway.ingest;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MqttDevice;
import io.iotgateway.support.SharedBrokers;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The PUBACK waits for Kafka. A gateway receives a message but cannot reach Kafka, and dies: the message was never
 * acknowledged, so when the gateway is back with the same client id the broker redelivers it, and it is stored exactly
 * once. With automatic acknowledgement this message would be lost. Runs on a broker of its own, so no other gateway
 * in the test JVM shares the sessions.
 */
class RedeliveryIT {

    private static final EmbeddedBrokers SHARED = SharedBrokers.get();
    private static final String SENTINEL = "{\"sensorType\":\"sentinel\",\"value\":0,\"timestamp\":1763320420}";

    @Test
    void unacknowledgedMessageIsRedeliveredWhenTheGatewayIsBack() throws Exception {
        String id = "redeliver-" + EmbeddedBrokers.freePort();
        int port = EmbeddedBrokers.freePort();
        try (EmbeddedBrokers.MqttBroker broker =
                EmbeddedBrokers.startMqttBroker(port, Path.of("target", "redelivery-broker-" + port))) {
            Map<String, String> instance =
                    Map.of("gateway.mqtt.broker-url", broker.url(), "gateway.mqtt.client-id", "gw-restart");

            receiveAndDieBeforeKafka(broker, instance, id);

            Map<String, String> restarted = new HashMap<>(instance);
            restarted.put("gateway.persistence.group-id", "redelivery-test-persistence");
            try (ConfigurableApplicationContext gateway = GatewayInstance.start(restarted)) {
                KafkaProbe kafka = new KafkaProbe(SHARED.kafkaBootstrap());
                kafka.awaitKey("device.telemetry", id, 1);
                MongoCollection<Document> sensorData =
                        gateway.getBean(MongoClient.class).getDatabase("iot").getCollection("sensorData");
                await().atMost(Duration.ofSeconds(60)).until(() -> sensorData.countDocuments(eq("deviceId", id)) >= 1);

                // A later message of the same device through the same broker and gateway: once it is in Kafka and
                // MongoDB, a second redelivery of the first would be there too (same session, same partition).
                try (MqttDevice device = new MqttDevice(broker.url())) {
                    device.publish("devices/" + id + "/telemetry", SENTINEL);
                }
                await().atMost(Duration.ofSeconds(60))
                        .until(() ->
                                sensorData.countDocuments(and(eq("deviceId", id), eq("sensorType", "sentinel"))) == 1);
                List<ConsumerRecord<String, byte[]>> records = kafka.read("device.telemetry", r -> id.equals(r.key()));
                assertThat(records)
                        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
                        .satisfiesExactly(
                                first -> assertThat(first).contains("\"voltage\""),
                                second -> assertThat(second).contains("\"sentinel\""));
                assertThat(sensorData.countDocuments(and(eq("deviceId", id), eq("sensorType", "voltage"))))
                        .isEqualTo(1);
            }
        }
    }

    private static void receiveAndDieBeforeKafka(
            EmbeddedBrokers.MqttBroker broker, Map<String, String> instance, String id) throws Exception {
        try (ServerSocket unreachableKafka = new ServerSocket(0)) {
            Map<String, String> settings = new HashMap<>(instance);
            settings.put("gateway.persistence.enabled", "false");
            // Only ingest matters here; the command publisher would be one more MQTT connection to crash.
            settings.put("gateway.commands.enabled", "false");
            settings.put("gateway.twins.enabled", "false");
            settings.put("camel.component.kafka.brokers", "127.0.0.1:" + unreachableKafka.getLocalPort());
            settings.put("camel.component.kafka.max-block-ms", "500");
            ConfigurableApplicationContext doomed = GatewayInstance.start(settings);
            CamelContext camel = doomed.getBean(CamelContext.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> camel.getRouteController()
                    .getRouteStatus("ingest-receive-devices")
                    .isStarted());

            try (MqttDevice device = new MqttDevice(broker.url())) {
                device.publish(
                        "devices/" + id + "/telemetry",
                        "{\"sensorType\":\"voltage\",\"value\":3.3,\"timestamp\":1763320419}");
            }
            // Received, and stuck retrying Kafka: in flight, not acknowledged.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> camel.getInflightRepository().size() > 0);
            crash(doomed, camel);
            // The broker has seen the gateway go: only the device-less broker remains.
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.connections() == 0);
        }
    }

    /**
     * The instance dies: its MQTT connections drop without a DISCONNECT and without acknowledging anything. (A graceful
     * close would wait for the stuck Kafka producer; the process-level fault suite covers real process kills.)
     */
    private static void crash(ConfigurableApplicationContext context, CamelContext camel) throws Exception {
        for (Route route : camel.getRoutes()) {
            if (route.getConsumer() instanceof PahoMqtt5Consumer mqtt && mqtt.getClient() != null) {
                mqtt.getClient().disconnectForcibly(0, 100, false);
                mqtt.getClient().close(true);
            }
        }
        Thread closer = new Thread(context::close, "crashed-gateway-close");
        closer.setDaemon(true);
        closer.start();
    }
}
