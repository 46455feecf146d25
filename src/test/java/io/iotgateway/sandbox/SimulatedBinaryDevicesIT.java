package io.iotgateway.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.GatewayIntegrationTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's binary devices against the gateway: a simulated energy meter's Protobuf readings and the simulated
 * Sparkplug B edge node's pump data become canonical records, and the edge node answers a rebirth request after the
 * message it drops on purpose.
 */
class SimulatedBinaryDevicesIT extends GatewayIntegrationTest {

    @Test
    void theSimulatedMeterAndEdgeNodeAreIngested() throws Exception {
        MeterPayloads meters = MeterPayloads.load(Path.of("routes", "meters.desc"));
        assertThat(meters).isNotNull();
        String meter = uniqueId("meter");
        device.publish("meters/" + meter + "/reading", meters.reading(Instant.now(), 230.1, 4.2, 12.5, 2));
        assertThat(KAFKA.awaitKey("device.telemetry", meter, 3)).hasSize(3);

        String pump = SimulatedEdgeNode.GROUP + "/" + SimulatedEdgeNode.NODE + "/pump-1";
        int before = KAFKA.read("device.telemetry", r -> pump.equals(r.key())).size();
        try (SimulatedEdgeNode edge = new SimulatedEdgeNode(MQTT_URL)) {
            // births (3 metrics of pump-1), then pump data by alias (2 metrics per tick)
            for (long tick = 1; tick <= 3; tick++) {
                edge.tick(tick);
            }
            assertThat(KAFKA.awaitKey("device.telemetry", pump, before + 3 + 3 * 2))
                    .isNotEmpty();

            // tick 60 drops a message: the gap is dead-lettered, the gateway asks for a rebirth, the node is born again
            int deadBefore = KAFKA.read("device.telemetry.dlq", r -> pump.equals(r.key()))
                    .size();
            edge.tick(60);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> KAFKA.read(
                                            "device.telemetry.dlq",
                                            r -> r.key() != null && r.key().startsWith(SimulatedEdgeNode.GROUP + "/"))
                                    .size()
                            > deadBefore);
            int after =
                    KAFKA.read("device.telemetry", r -> pump.equals(r.key())).size();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                edge.tick(61);
                assertThat(KAFKA.read("device.telemetry", r -> pump.equals(r.key())))
                        .hasSizeGreaterThan(after);
            });
        }
    }
}
