package io.iotgateway.benchmark;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.DeliveryRecorder;
import io.iotgateway.support.DeviceFleet;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.LoadResult;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Ingest benchmark, run on demand with {@code ./mvnw -Pbenchmark verify}; never part of the test suite. It measures,
 * in one run and through the same MQTT broker: the limit (a plain MQTT publish -> subscribe) and the gateway (MQTT
 * publish -> validated record consumed from Kafka), from 100 QoS 1 devices, at maximum rate and at 1,000 msg/s. It
 * asserts nothing about time; it writes {@code target/benchmark/ingest.md}.
 */
@Tag("benchmark")
class IngestBenchmark extends GatewayIntegrationTest {

    private static final int DEVICES = Integer.getInteger("bench.devices", 100);
    private static final int MAX_RATE_PER_DEVICE = Integer.getInteger("bench.maxRatePerDevice", 200);
    private static final int FIXED_RATE = Integer.getInteger("bench.fixedRate", 1000);
    private static final int FIXED_SECONDS = Integer.getInteger("bench.fixedSeconds", 20);
    private static final int SSE_CLIENTS = Integer.getInteger("bench.sseClients", 1000);
    // Long enough for the JIT compiler to finish the ingest path; with 50 per device, the run measured first was
    // still compiling and ran at two thirds of the speed of the same run measured last.
    private static final int WARMUP_PER_DEVICE = Integer.getInteger("bench.warmupPerDevice", 400);
    private static final Duration QUIET = Duration.ofSeconds(15);

    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;

    @Test
    void ingest() throws Exception {
        int fixedPerDevice = FIXED_RATE * FIXED_SECONDS / DEVICES;
        // warm-up of both paths (JIT, connections, topic metadata); not reported
        baseline("warm-up", WARMUP_PER_DEVICE, 0);
        gateway("warm-up", WARMUP_PER_DEVICE, 0);

        List<LoadResult> results = new ArrayList<>();
        LoadResult baselineMax = baseline("MQTT pub->sub (limit), max rate", MAX_RATE_PER_DEVICE, 0);
        LoadResult gatewayMax;
        double analyticsPerSecond;
        try (ConsumerLag analytics =
                new ConsumerLag(BROKERS.kafkaBootstrap(), "iot-gateway-analytics", "device.telemetry")) {
            gatewayMax = gateway("gateway MQTT->Kafka, max rate", MAX_RATE_PER_DEVICE, 0);
            analyticsPerSecond = analytics.recordsPerSecond(gatewayMax.received() / gatewayMax.throughputPerSecond());
        }
        LoadResult baselineFixed =
                baseline("MQTT pub->sub (limit), " + FIXED_RATE + " msg/s", fixedPerDevice, FIXED_RATE);
        LoadResult gatewayFixed = gateway("gateway MQTT->Kafka, " + FIXED_RATE + " msg/s", fixedPerDevice, FIXED_RATE);
        results.add(baselineMax);
        results.add(gatewayMax);
        results.add(baselineFixed);
        results.add(gatewayFixed);

        // The same max-rate gateway run, with live dashboards watching: SSE clients per device.
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < SSE_CLIENTS; i++) {
            urls.add("http://localhost:" + port + "/events?deviceId=bench-" + run + "-" + (i % DEVICES));
        }
        LoadResult gatewayWatched;
        long delivered;
        try (SseLoad dashboards = new SseLoad(urls)) {
            await().atMost(Duration.ofMinutes(2)).until(() -> dashboards.connected() == SSE_CLIENTS);
            gatewayWatched = gateway(
                    "gateway MQTT->Kafka, max rate, " + SSE_CLIENTS + " SSE clients", MAX_RATE_PER_DEVICE, 0, run);
            long expectedEvents = (long) MAX_RATE_PER_DEVICE * SSE_CLIENTS;
            await().atMost(Duration.ofMinutes(2)).until(() -> dashboards.events() >= expectedEvents);
            delivered = dashboards.events();
        }
        results.add(gatewayWatched);
        write(
                results,
                gatewayMax.throughputPerSecond() / baselineMax.throughputPerSecond(),
                gatewayFixed,
                gatewayWatched.throughputPerSecond() / gatewayMax.throughputPerSecond(),
                delivered,
                analyticsPerSecond,
                analyticsPerSecond / gatewayMax.throughputPerSecond());
    }

    private LoadResult baseline(String name, int perDevice, int rate) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        DeliveryRecorder recorder = new DeliveryRecorder();
        MqttClient subscriber = new MqttClient(MQTT_URL, "bench-sub-" + run, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        subscriber.connect(options);
        subscriber.subscribe(
                new MqttSubscription[] {new MqttSubscription("bench/" + run + "/+/telemetry", 1)},
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] {
                    (topic, message) -> record(recorder, json.readTree(message.getPayload()))
                });
        try (DeviceFleet fleet =
                new DeviceFleet(MQTT_URL, DEVICES, "bench-b-" + run, i -> "bench/" + run + "/" + i + "/telemetry")) {
            return measure(name, fleet, recorder, perDevice, rate);
        } finally {
            subscriber.disconnect();
            subscriber.close();
        }
    }

    private LoadResult gateway(String name, int perDevice, int rate) throws Exception {
        return gateway(name, perDevice, rate, UUID.randomUUID().toString().substring(0, 8));
    }

    private LoadResult gateway(String name, int perDevice, int rate, String run) throws Exception {
        DeliveryRecorder recorder = new DeliveryRecorder();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong assigned = new AtomicLong();
        Thread sink = new Thread(() -> consumeTelemetry(run, recorder, running, assigned), "bench-kafka-sink");
        sink.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> assigned.get() > 0);
        try (DeviceFleet fleet = new DeviceFleet(
                MQTT_URL, DEVICES, "bench-g-" + run, i -> "devices/bench-" + run + "-" + i + "/telemetry")) {
            return measure(name, fleet, recorder, perDevice, rate);
        } finally {
            running.set(false);
            sink.join();
        }
    }

    private LoadResult measure(String name, DeviceFleet fleet, DeliveryRecorder recorder, int perDevice, int rate)
            throws Exception {
        long expected = (long) perDevice * fleet.size();
        long start = fleet.publish(perDevice, rate);
        // Wait for everything, or until nothing more has arrived for a while: then the rest is lost.
        AtomicLong lastCount = new AtomicLong(-1);
        AtomicLong lastChange = new AtomicLong(System.nanoTime());
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    long now = recorder.received();
                    if (now != lastCount.getAndSet(now)) {
                        lastChange.set(System.nanoTime());
                    }
                    return recorder.distinct() >= expected || System.nanoTime() - lastChange.get() > QUIET.toNanos();
                });
        LoadResult result = recorder.result(name, expected, start);
        System.out.println(LoadResult.header() + "\n" + result.row());
        return result;
    }

    private void consumeTelemetry(String run, DeliveryRecorder recorder, AtomicBoolean running, AtomicLong assigned) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS.kafkaBootstrap());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 1);
        String prefix = "bench-" + run + "-";
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor("device.telemetry").stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            assigned.set(partitions.size());
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
                    if (r.key() != null && r.key().startsWith(prefix)) {
                        JsonNode body = json.readTree(r.value());
                        JsonNode metadata = body.get("metadata");
                        recorder.record(
                                metadata.get("device").asInt(),
                                body.get("value").asInt(),
                                metadata.get("sentNanos").asLong());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void record(DeliveryRecorder recorder, JsonNode payload) {
        recorder.record(
                payload.get("device").asInt(),
                payload.get("value").asInt(),
                payload.get("sentNanos").asLong());
    }

    private static void write(
            List<LoadResult> results,
            double throughputRatio,
            LoadResult gatewayFixed,
            double watchedRatio,
            long sseEventsDelivered,
            double analyticsPerSecond,
            double analyticsRatio)
            throws IOException {
        var os = ManagementFactory.getOperatingSystemMXBean();
        long memoryGiB = Runtime.getRuntime().maxMemory() / (1024 * 1024 * 1024);
        StringBuilder out = new StringBuilder();
        out.append("## Ingest benchmark, ").append(LocalDate.now()).append("\n\n");
        out.append(String.format(
                Locale.ROOT,
                "Machine: %d cores, %s %s, Java %s (max heap %d GiB). MQTT broker: %s. Kafka (KRaft) and"
                        + " mongo-java-server embedded in the gateway's JVM. %d devices, QoS 1. Measured after %d"
                        + " messages per device through each path (warm-up, not reported).%n%n",
                os.getAvailableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                memoryGiB,
                MQTT_BROKER_NAME,
                DEVICES,
                WARMUP_PER_DEVICE));
        out.append(LoadResult.header()).append('\n');
        results.forEach(r -> out.append(r.row()).append('\n'));
        out.append(String.format(
                Locale.ROOT,
                "%nThroughput ratio at max rate (gateway / limit): **%.2fx** (target >= 0.90x).%n"
                        + "p99 latency at %d msg/s: **%.2f ms** (target <= 15 ms). Lost: %d, out of order: %d.%n",
                throughputRatio,
                FIXED_RATE,
                gatewayFixed.p99Millis(),
                gatewayFixed.lost(),
                gatewayFixed.outOfOrder()));
        out.append(String.format(
                Locale.ROOT,
                "Throughput with %d SSE clients connected (%d per device) / without: **%.2fx** (target >= 0.90x);"
                        + " events delivered to them: %d.%n",
                SSE_CLIENTS,
                SSE_CLIENTS / DEVICES,
                watchedRatio,
                sseEventsDelivered));
        out.append(String.format(
                Locale.ROOT,
                "Stream analytics on the max-rate run: %.0f records/s (the run's records over its ingest time plus the"
                        + " time until the analytics' committed offsets caught up), **%.2fx** the gateway's max rate"
                        + " (1.00x: no backlog at the end of the run).%n",
                analyticsPerSecond,
                analyticsRatio));
        Path report = Path.of("target", "benchmark", "ingest.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out.toString());
        System.out.println(out);
    }
}
