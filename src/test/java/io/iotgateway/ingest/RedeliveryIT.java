package io.iotgateway.ingest;

import static com.mongodb.client.model.Filters.eq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.IotGatewayApplication;
import io.iotgateway.support.GatewayIntegrationTest;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The PUBACK waits for Kafka. A gateway instance receives a message but cannot reach Kafka and is stopped: the message
 * was never acknowledged, so the broker redelivers it when the gateway's session resumes, and it is stored exactly
 * once. With automatic acknowledgement this message would be lost.
 */
class RedeliveryIT extends GatewayIntegrationTest {

    @Test
    void unacknowledgedMessageIsRedeliveredWhenTheSessionResumes() throws Exception {
        String id = uniqueId("redeliver");
        List<String> ingestRoutes = camel.getRoutes().stream()
                .map(Route::getRouteId)
                .filter(r -> r.startsWith("ingest-mqtt-"))
                .toList();
        for (String route : ingestRoutes) {
            camel.getRouteController().stopRoute(route);
        }
        try {
            receiveWithoutReachingKafka(id);
        } finally {
            for (String route : ingestRoutes) {
                camel.getRouteController().startRoute(route);
            }
        }
        assertThat(KAFKA.awaitKey("device.telemetry", id, 1)).hasSize(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> sensorData().countDocuments(eq("deviceId", id)) == 1);
    }

    private void receiveWithoutReachingKafka(String id) throws Exception {
        try (ServerSocket unreachableKafka = new ServerSocket(0)) {
            ConfigurableApplicationContext crashing = startGateway(Map.of(
                    "camel.component.kafka.brokers",
                    "127.0.0.1:" + unreachableKafka.getLocalPort(),
                    "camel.component.kafka.max-block-ms",
                    "500"));
            CamelContext crashingCamel = crashing.getBean(CamelContext.class);
            await().atMost(Duration.ofSeconds(30)).until(() -> crashingCamel
                    .getRouteController()
                    .getRouteStatus("ingest-mqtt-devices")
                    .isStarted());

            device.publish(
                    "devices/" + id + "/telemetry",
                    "{\"sensorType\":\"voltage\",\"value\":3.3,\"timestamp\":1763320419}");

            // Received, and stuck retrying Kafka: in flight, not acknowledged.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> crashingCamel.getInflightRepository().size() > 0);
            crash(crashing, crashingCamel);
        }
    }

    /**
     * The instance dies: its MQTT connections drop without a DISCONNECT and without acknowledging anything. (A graceful
     * close would wait for the stuck Kafka producer; that is the process-level fault suite's subject.)
     */
    private static void crash(ConfigurableApplicationContext context, CamelContext crashingCamel) throws Exception {
        for (Route route : crashingCamel.getRoutes()) {
            if (route.getConsumer() instanceof PahoMqtt5Consumer mqtt && mqtt.getClient() != null) {
                mqtt.getClient().disconnectForcibly(0, 100, false);
                mqtt.getClient().close(true);
            }
        }
        Thread closer = new Thread(context::close, "crashed-gateway-close");
        closer.setDaemon(true);
        closer.start();
    }

    /** A second gateway instance with the same MQTT client ids as the test context, i.e. the same sessions. */
    private static ConfigurableApplicationContext startGateway(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(BROKERS.gatewayProperties());
        properties.put("server.port", "0");
        properties.put("gateway.persistence.enabled", "false");
        properties.put("camel.main.shutdown-timeout", "1");
        properties.put("spring.jmx.enabled", "false");
        properties.putAll(overrides);
        // Command-line arguments: they outrank application.yaml, as a real deployment's settings would.
        String[] args = properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        return new SpringApplicationBuilder(IotGatewayApplication.class)
                .profiles("test")
                .run(args);
    }
}
