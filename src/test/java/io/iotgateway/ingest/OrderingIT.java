package io.iotgateway.ingest;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.regex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.MqttDevice;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Many devices publishing at once: every message arrives, once, in each device's own order. */
class OrderingIT extends GatewayIntegrationTest {

    private static final int DEVICES = 20;
    private static final int MESSAGES_PER_DEVICE = 50;
    private static final int PUBLISHERS = 4;

    @Autowired
    ObjectMapper json;

    @Test
    void perDeviceOrderIsKeptUnderConcurrency() throws Exception {
        String run = uniqueId("ord");
        List<String> devices =
                IntStream.range(0, DEVICES).mapToObj(i -> run + "-" + i).toList();
        long start = 1_763_320_419_000L;

        ExecutorService publishers = Executors.newFixedThreadPool(PUBLISHERS);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < PUBLISHERS; p++) {
                List<String> mine = devices.subList(p * DEVICES / PUBLISHERS, (p + 1) * DEVICES / PUBLISHERS);
                done.add(publishers.submit(() -> {
                    try (MqttDevice client = new MqttDevice(BROKERS.mqttUrl())) {
                        for (int seq = 0; seq < MESSAGES_PER_DEVICE; seq++) {
                            for (String id : mine) {
                                client.publish(
                                        "devices/" + id + "/telemetry",
                                        "{\"sensorType\":\"sequence\",\"value\":%d,\"timestamp\":%d}"
                                                .formatted(seq, start + seq));
                            }
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            publishers.shutdown();
        }

        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitRecords(
                "device.telemetry",
                r -> r.key() != null && r.key().startsWith(run + "-"),
                DEVICES * MESSAGES_PER_DEVICE);
        assertThat(records).hasSize(DEVICES * MESSAGES_PER_DEVICE);
        for (String id : devices) {
            List<Integer> sequence = records.stream()
                    .filter(r -> r.key().equals(id))
                    .map(r -> value(r.value()))
                    .toList();
            assertThat(sequence)
                    .as("order of device %s", id)
                    .containsExactlyElementsOf(
                            IntStream.range(0, MESSAGES_PER_DEVICE).boxed().toList());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> devices.stream()
                .allMatch(id -> sensorData().countDocuments(eq("deviceId", id)) >= MESSAGES_PER_DEVICE));

        // A later message per device (same path, same partition): once each is in Kafka and MongoDB, a late
        // duplicate of an earlier one would be too.
        for (String id : devices) {
            device.publish(
                    "devices/" + id + "/telemetry",
                    "{\"sensorType\":\"sentinel\",\"value\":0,\"timestamp\":%d}"
                            .formatted(start + MESSAGES_PER_DEVICE));
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> sensorData()
                                .countDocuments(and(regex("deviceId", "^" + run + "-"), eq("sensorType", "sentinel")))
                        == DEVICES);
        List<ConsumerRecord<String, byte[]>> all =
                KAFKA.read("device.telemetry", r -> r.key() != null && r.key().startsWith(run + "-"));
        assertThat(all).hasSize(DEVICES * (MESSAGES_PER_DEVICE + 1));
        for (String id : devices) {
            assertThat(sensorData().countDocuments(and(eq("deviceId", id), eq("sensorType", "sequence"))))
                    .as("documents of device %s", id)
                    .isEqualTo(MESSAGES_PER_DEVICE);
        }
    }

    private int value(byte[] body) {
        try {
            return json.readTree(body).get("value").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
