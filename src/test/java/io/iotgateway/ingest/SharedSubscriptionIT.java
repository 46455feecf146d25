package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two replicas in one MQTT 5 shared-subscription group: the broker gives each message to one of them, never both.
 * (How evenly it spreads them is the broker's choice.)
 */
class SharedSubscriptionIT extends GatewayIntegrationTest {

    private static final int MESSAGES = 60;

    @Test
    void replicasSplitTheLoad() throws Exception {
        try (ConfigurableApplicationContext first = replica("gw-replica-a");
                ConfigurableApplicationContext second = replica("gw-replica-b")) {
            awaitSubscribed(first);
            awaitSubscribed(second);

            String run = uniqueId("shared");
            for (int i = 0; i < MESSAGES; i++) {
                device.publish(
                        "devices/" + run + "-" + i + "/telemetry",
                        "{\"sensorType\":\"t\",\"value\":%d,\"timestamp\":1763320419}".formatted(i));
            }
            // The test context's own (unshared) subscription has every message in Kafka by now...
            KAFKA.awaitRecords("device.telemetry", r -> r.key().startsWith(run + "-"), MESSAGES);
            // ...and the group has taken each message exactly once, once nothing is in flight any more.
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> received(first) + received(second) >= MESSAGES && idle(first) && idle(second));
            assertThat(received(first) + received(second)).isEqualTo(MESSAGES);
        }
    }

    private static ConfigurableApplicationContext replica(String clientId) {
        return GatewayInstance.start(Map.of(
                "gateway.mqtt.client-id", clientId,
                "gateway.mqtt.shared-group", "split-test",
                // a fresh session: the group must not inherit another test's queue
                "gateway.mqtt.session-expiry-seconds", "1",
                "gateway.persistence.enabled", "false"));
    }

    private static void awaitSubscribed(ConfigurableApplicationContext replica) {
        CamelContext camel = replica.getBean(CamelContext.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> camel.getRouteController()
                .getRouteStatus("ingest-mqtt-devices")
                .isStarted());
    }

    private static boolean idle(ConfigurableApplicationContext replica) {
        return replica.getBean(CamelContext.class).getInflightRepository().size() == 0;
    }

    private static double received(ConfigurableApplicationContext replica) {
        Counter counter = replica.getBean(MeterRegistry.class)
                .find("gateway.ingest.messages")
                .tag("family", "devices")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
