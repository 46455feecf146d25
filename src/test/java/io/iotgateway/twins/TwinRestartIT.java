package io.iotgateway.twins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.model.Filters;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.SimulatedActuator;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.camel.spi.RouteController;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway that stops between the desired change and the device's return: the next gateway continues from what
 * MongoDB holds and brings the device to its desired state. The shared test gateway's twin routes are paused meanwhile,
 * so the instances under test alone run the loop.
 */
class TwinRestartIT extends GatewayIntegrationTest {

    private static final Duration LOOP = Duration.ofSeconds(60);
    private static final List<String> SHARED_TWIN_ROUTES = List.of("twins-consume-signals", "twins-check-open");
    private static final Map<String, String> INSTANCE = Map.of(
            "gateway.mqtt.client-id", "gw-twin-restart",
            "gateway.persistence.enabled", "false",
            "gateway.live.enabled", "false");

    @Test
    void aRestartedGatewayKeepsTheTwinAndConvergesIt() throws Exception {
        String deviceId = uniqueId("bike");
        RouteController routes = camel.getRouteController();
        for (String route : SHARED_TWIN_ROUTES) {
            routes.stopRoute(route);
        }
        try {
            try (ConfigurableApplicationContext first = GatewayInstance.start(INSTANCE)) {
                Http api = new Http(port(first));
                assertThat(api.patch("/api/devices/" + deviceId + "/twin/desired", "{\"resistance\": 30}")
                                .statusCode())
                        .isEqualTo(200);
                // the device is offline: its command times out, the delta stays
                await().atMost(LOOP).until(() -> commandStatuses(deviceId).contains("TIMED_OUT"));
            }

            Document waiting = mongoClient
                    .getDatabase("iot")
                    .getCollection("deviceTwins")
                    .find(Filters.eq("_id", deviceId))
                    .first();
            assertThat(waiting.get("delta", Document.class)).containsEntry("resistance", 30.0);
            assertThat(waiting.getBoolean("open")).isTrue();

            try (SimulatedActuator actuator = new SimulatedActuator(BROKERS.mqttUrl(), deviceId);
                    ConfigurableApplicationContext second = GatewayInstance.start(INSTANCE)) {
                Http api = new Http(port(second));
                await().atMost(LOOP).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    device.publish(
                            "devices/" + deviceId + "/telemetry", "{\"sensorType\":\"temperature\",\"value\":20}");
                    JsonNode twin =
                            api.getJson("/api/devices/" + deviceId + "/twin").body();
                    assertThat(twin.at("/reported/resistance").asDouble()).isEqualTo(30.0);
                    assertThat(twin.get("delta")).isEmpty();
                });
                assertThat(actuator.state(deviceId, "resistance")).isEqualTo(30.0);
            }
            assertThat(commandStatuses(deviceId)).containsExactlyInAnyOrder("TIMED_OUT", "ACKED");
        } finally {
            for (String route : SHARED_TWIN_ROUTES) {
                routes.startRoute(route);
            }
        }
    }

    private static int port(ConfigurableApplicationContext gateway) {
        return Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port"));
    }
}
