package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Stopping an ingest route (a reload, a shutdown) while messages flow: the route stops taking messages, lets the ones
 * in flight be acknowledged, then disconnects; what arrives meanwhile stays in the persistent session. Every message
 * reaches Kafka exactly once.
 */
class IngestRouteRestartIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void restartingTheRouteUnderLoadNeitherLosesNorDuplicates() throws Exception {
        String id = uniqueId("restart");
        int messages = 600;
        CompletableFuture<Void> publishing = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < messages; i++) {
                device.publish(
                        "devices/" + id + "/telemetry",
                        "{\"sensorType\":\"seq\",\"value\":" + i + ",\"timestamp\":" + (1763320000 + i) + "}");
            }
        });
        String route = "ingest-mqtt-devices";
        for (int restart = 0; restart < 3 && !publishing.isDone(); restart++) {
            int seen = KAFKA.read("device.telemetry", r -> id.equals(r.key())).size();
            // restart while messages are being processed
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> KAFKA.read("device.telemetry", r -> id.equals(r.key()))
                                    .size()
                            > seen);
            camel.getRouteController().stopRoute(route);
            camel.getRouteController().startRoute(route);
        }
        publishing.get();

        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("device.telemetry", id, messages);
        await().during(Duration.ofSeconds(2))
                .atMost(Duration.ofSeconds(10))
                .until(() ->
                        KAFKA.read("device.telemetry", r -> id.equals(r.key())).size() == messages);
        Map<Integer, Long> perValue = records.stream()
                .collect(Collectors.groupingBy(
                        r -> {
                            try {
                                return JSON.readTree(r.value()).get("value").asInt();
                            } catch (IOException e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        Collectors.counting()));
        assertThat(perValue).hasSize(messages);
        assertThat(perValue.values()).allMatch(count -> count == 1);
        assertThat(records)
                .extracting(r -> KafkaProbe.header(r, "x-message-id"))
                .doesNotHaveDuplicates();
    }
}
