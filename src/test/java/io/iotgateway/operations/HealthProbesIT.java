package io.iotgateway.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.Http;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Kubernetes probes while brokers are unreachable: readiness goes DOWN (take the pod out of service), liveness stays
 * UP (a restart would not bring a broker back), and readiness recovers by itself when the broker returns.
 */
class HealthProbesIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readinessFollowsTheBrokersWhileLivenessStaysUp() throws Exception {
        int mqttPort = EmbeddedBrokers.freePort();
        try (ConfigurableApplicationContext gateway = GatewayInstance.start(Map.of(
                "gateway.mqtt.client-id", "gw-probes",
                "gateway.mqtt.broker-url", "tcp://127.0.0.1:" + mqttPort,
                "camel.component.kafka.brokers", "127.0.0.1:" + EmbeddedBrokers.freePort(),
                "spring.data.mongodb.uri",
                        "mongodb://127.0.0.1:" + EmbeddedBrokers.freePort() + "/iot?serverSelectionTimeoutMS=500"))) {
            Http http = new Http(
                    ((WebServerApplicationContext) gateway).getWebServer().getPort());

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> readiness = http.getAsAdmin("/actuator/health/readiness");
                assertThat(readiness.statusCode()).isEqualTo(503);
                JsonNode components = JSON.readTree(readiness.body()).path("components");
                assertThat(components.at("/mqtt/status").asText()).isEqualTo("DOWN");
                assertThat(components
                                .at("/mqtt/details/subscriptions/ingest-receive-devices")
                                .asText())
                        .startsWith("waiting to subscribe");
                assertThat(components.at("/kafka/status").asText()).isEqualTo("DOWN");
                assertThat(components.at("/mongodb/status").asText()).isEqualTo("DOWN");
            });
            assertThat(http.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
            assertThat(http.get("/health").statusCode()).isEqualTo(503);

            try (EmbeddedBrokers.MqttBroker broker =
                    EmbeddedBrokers.startMqttBroker(mqttPort, Path.of("target", "probes-broker-" + mqttPort))) {
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(() -> assertThat(JSON.readTree(http.getAsAdmin("/actuator/health/readiness")
                                                .body())
                                        .at("/components/mqtt/status")
                                        .asText())
                                .isEqualTo("UP"));
                assertThat(http.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
            }
        }
    }
}
