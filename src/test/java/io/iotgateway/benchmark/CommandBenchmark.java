package io.iotgateway.benchmark;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.model.Filters;
import io.iotgateway.mqtt.MqttSockets;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.SimulatedActuator;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Command round trip, run on demand with {@code ./mvnw -Pbenchmark verify}: HTTP POST -> gateway -> MQTT -> device
 * -> report -> gateway -> status seen on the SSE stream, at a steady 100 commands/s, against the limit measured in the
 * same run through the same broker: a plain MQTT 5 request/response (publish with correlation data, the device
 * answers on the response topic). Writes {@code target/benchmark/commands.md}; asserts nothing about time.
 */
@Tag("benchmark")
class CommandBenchmark extends GatewayIntegrationTest {

    private static final int RATE = Integer.getInteger("bench.commandRate", 100);
    private static final int SECONDS = Integer.getInteger("bench.commandSeconds", 20);
    // A gateway runs for weeks: measure it after the JIT compiler has compiled the command path, as JMH would.
    private static final int WARMUP_SECONDS = Integer.getInteger("bench.commandWarmupSeconds", 60);
    private static final int DEVICES = 10;

    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;

    /** One run's figures, in milliseconds. */
    /** Where the gateway's round trip goes, from the command documents' timestamps (same JVM clock). */
    private String stages = "";

    record RoundTrips(String name, int sent, int answered, Histogram micros) {

        String row() {
            return String.format(
                    Locale.ROOT,
                    "| %s | %d | %d | %.2f | %.2f | %.2f |",
                    name,
                    sent,
                    answered,
                    micros.getValueAtPercentile(50) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0,
                    micros.getMaxValue() / 1000.0);
        }
    }

    @Test
    void commandRoundTrip() throws Exception {
        String fleet = UUID.randomUUID().toString().substring(0, 8);
        String[] devices = new String[DEVICES];
        for (int i = 0; i < DEVICES; i++) {
            devices[i] = "cmd-" + fleet + "-" + i;
        }
        mqttRequestResponse(RATE * 2); // warm-up
        // The first commands are the cold case: the devices are new, so each one's first report waits for its Kafka
        // report topic to be created; then the JIT warm-up.
        RoundTrips cold = gatewayCommands(devices, RATE * 2, "gateway, first commands to new devices");
        RoundTrips warm = gatewayCommands(devices, RATE * WARMUP_SECONDS, "gateway, warm-up (JIT compiling)");
        RoundTrips limit = mqttRequestResponse(RATE * SECONDS);
        var jit = ManagementFactory.getCompilationMXBean();
        long compilingBefore = jit.getTotalCompilationTime();
        RoundTrips gateway =
                gatewayCommands(devices, RATE * SECONDS, "gateway: HTTP -> MQTT -> device -> report -> SSE");
        long compilingMs = jit.getTotalCompilationTime() - compilingBefore;
        write(limit, gateway, List.of(cold, warm), compilingMs);
    }

    private RoundTrips gatewayCommands(String[] devices, int count, String name) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Instant> arrivedAt = new ConcurrentHashMap<>();
        Map<String, Integer> refused = new ConcurrentHashMap<>();
        Histogram micros = new Histogram(3);
        AtomicInteger answered = new AtomicInteger();
        Map<String, Integer> otherStatuses = new ConcurrentHashMap<>();
        AtomicLong dropped = new AtomicLong();
        AtomicReference<String> eventType = new AtomicReference<>("");
        HttpClient http = HttpClient.newHttpClient();
        // The round trip ends when the browser would see it: the ACKED status event on the SSE stream.
        HttpRequest events = HttpRequest.newBuilder(URI.create("http://localhost:" + port
                        + "/events?type=command-report&deviceId=" + String.join(",", devices)))
                .header("Authorization", Http.bearer(Http.VIEWER_TOKEN))
                .build();
        var stream = http.sendAsync(events, HttpResponse.BodyHandlers.ofLines());
        var reader = stream.thenAccept(response -> response.body().forEach(line -> {
            if (line.isEmpty()) {
                eventType.set(""); // an event ends at a blank line; the next one names its own type
            } else if (line.startsWith("event:")) {
                eventType.set(line.substring(6).trim());
            } else if (line.startsWith("data:")) {
                try {
                    JsonNode data = json.readTree(line.substring(5));
                    if (eventType.get().equals("dropped")) {
                        dropped.addAndGet(data.path("count").asLong());
                        return;
                    }
                    String commandId = data.path("commandId").asText();
                    String status = data.path("status").asText();
                    // a command can time out before its report arrives, then be settled by it: only ACKED ends it
                    if (!status.equals("ACKED")) {
                        otherStatuses.merge(status, 1, Integer::sum);
                        return;
                    }
                    Long start = sentAt.remove(commandId);
                    if (start != null) {
                        arrivedAt.put(commandId, Instant.now());
                        synchronized (micros) {
                            micros.recordValue((System.nanoTime() - start) / 1000);
                        }
                        answered.incrementAndGet();
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }));
        try (SimulatedActuator actuator = new SimulatedActuator(MQTT_URL, devices)) {
            paced(count, i -> {
                String commandId = run + "-" + i;
                sentAt.put(commandId, System.nanoTime());
                http.sendAsync(
                                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/devices/"
                                                + devices[i % DEVICES] + "/commands/fan"))
                                        .header("Content-Type", "application/json")
                                        // a token, as a script would use: checked by digest, cheap per call
                                        .header("Authorization", Http.bearer(Http.OPERATOR_TOKEN))
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"commandId\":\"" + commandId
                                                + "\",\"command\":\"setSpeed\",\"value\":" + (i % 100) + "}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .thenAccept(response -> {
                            if (response.statusCode() != 202) {
                                refused.merge(response.statusCode() + " " + response.body(), 1, Integer::sum);
                            }
                        });
            });
            try {
                await().atMost(Duration.ofSeconds(60))
                        .failFast("commands refused", () -> !refused.isEmpty())
                        .failFast("the event stream ended", reader::isDone)
                        .failFast("the event stream dropped events for this slow client", () -> dropped.get() > 0)
                        .alias("ACKED on the event stream")
                        .until(() -> answered.get() >= count);
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        String.format(
                                Locale.ROOT,
                                "%s: answered %d of %d; received by the devices %d, reported by them %d; other"
                                        + " statuses seen %s; refused %s; dropped %d. The gateway's log is in"
                                        + " target/surefire-reports/%s-output.txt.",
                                name,
                                answered.get(),
                                count,
                                actuator.received().size(),
                                actuator.reported().size(),
                                otherStatuses,
                                refused,
                                dropped.get(),
                                getClass().getName()),
                        e);
            }
            stages = stages(devices, arrivedAt, actuator.received(), actuator.reported());
        } finally {
            reader.cancel(true);
            stream.cancel(true);
        }
        return new RoundTrips(name, count, answered.get(), micros);
    }

    private RoundTrips mqttRequestResponse(int count) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Histogram micros = new Histogram(3);
        AtomicInteger answered = new AtomicInteger();
        MqttClient requester = client("bench-req-" + run);
        MqttClient device = client("bench-dev-" + run);
        ScheduledExecutorService replies = Executors.newSingleThreadScheduledExecutor();
        try {
            // Paho v5's subscribe(String, int, listener) calls itself forever; the array form works.
            subscribe(requester, "bench/" + run + "/reports/+", (topic, message) -> {
                String id = new String(message.getProperties().getCorrelationData(), StandardCharsets.UTF_8);
                Long start = sentAt.remove(id);
                if (start != null) {
                    synchronized (micros) {
                        micros.recordValue((System.nanoTime() - start) / 1000);
                    }
                    answered.incrementAndGet();
                }
            });
            subscribe(device, "bench/" + run + "/commands/+", (topic, message) -> {
                // like the simulated actuator, the device answers from its own thread
                MqttProperties request = message.getProperties();
                replies.execute(() -> publish(
                        device, request.getResponseTopic(), "{\"status\":\"ok\"}", request.getCorrelationData()));
            });
            paced(count, i -> {
                String id = run + "-" + i;
                sentAt.put(id, System.nanoTime());
                MqttProperties properties = new MqttProperties();
                properties.setCorrelationData(id.getBytes(StandardCharsets.UTF_8));
                properties.setResponseTopic("bench/" + run + "/reports/" + (i % DEVICES));
                MqttMessage message =
                        new MqttMessage("{\"command\":\"setSpeed\",\"value\":1}".getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                message.setProperties(properties);
                try {
                    requester.publish("bench/" + run + "/commands/" + (i % DEVICES), message);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= count);
        } finally {
            replies.shutdownNow();
            requester.disconnect();
            device.disconnect();
        }
        return new RoundTrips("limit: MQTT 5 request/response", count, answered.get(), micros);
    }

    /** Calls {@code send} {@code count} times at {@link #RATE} per second, on schedule (no coordinated omission). */
    private static void paced(int count, java.util.function.IntConsumer send) {
        long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            long due = start + i * interval;
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            send.accept(i);
        }
    }

    private static void subscribe(MqttClient client, String filter, IMqttMessageListener listener) throws Exception {
        client.subscribe(
                new MqttSubscription[] {new MqttSubscription(filter, 1)}, new IMqttMessageListener[] {listener});
    }

    private static MqttClient client(String id) throws Exception {
        MqttClient client = new MqttClient(MQTT_URL, id, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSocketFactory(MqttSockets.plain());
        client.connect(options);
        return client;
    }

    private static void publish(MqttClient client, String topic, String payload, byte[] correlation) {
        MqttProperties properties = new MqttProperties();
        properties.setCorrelationData(correlation);
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        message.setProperties(properties);
        try {
            client.publish(topic, message);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * p50/p99 of each stage: accepted -> handed to the broker, -> received by the device, -> report processed by the
     * gateway, -> on SSE.
     */
    private String stages(
            String[] devices,
            Map<String, Instant> arrivedAt,
            List<SimulatedActuator.Received> received,
            Map<String, Instant> reportedAt) {
        Map<String, Instant> atDevice = new HashMap<>();
        received.forEach(r -> atDevice.put(r.correlation(), r.at()));
        Histogram publish = new Histogram(3);
        Histogram delivery = new Histogram(3);
        Histogram reply = new Histogram(3);
        Histogram report = new Histogram(3);
        Histogram announce = new Histogram(3);
        mongoClient
                .getDatabase("iot")
                .getCollection("controlCommands")
                .find(Filters.in("deviceId", List.of(devices)))
                .forEach(doc -> {
                    Instant arrived = arrivedAt.get(doc.getString("_id"));
                    Instant delivered = atDevice.get(doc.getString("_id"));
                    Instant replied = reportedAt.get(doc.getString("_id"));
                    if (arrived == null
                            || delivered == null
                            || replied == null
                            || doc.getDate("publishedAt") == null
                            || doc.getDate("reportedAt") == null) {
                        return;
                    }
                    long accepted = doc.getDate("timestamp").getTime();
                    long published = doc.getDate("publishedAt").getTime();
                    long reported = doc.getDate("reportedAt").getTime();
                    publish.recordValue(Math.max(0, published - accepted));
                    delivery.recordValue(Math.max(0, delivered.toEpochMilli() - published));
                    reply.recordValue(Math.max(0, replied.toEpochMilli() - delivered.toEpochMilli()));
                    report.recordValue(Math.max(0, reported - replied.toEpochMilli()));
                    announce.recordValue(Math.max(0, arrived.toEpochMilli() - reported));
                });
        return String.format(
                Locale.ROOT,
                "Stages (ms, p50 / p99): accepted -> handed to the broker %d / %d; -> received by the device %d / %d;"
                        + " -> its report acknowledged by the broker %d / %d; -> processed by the gateway %d / %d;"
                        + " -> status on the SSE stream %d / %d.",
                publish.getValueAtPercentile(50),
                publish.getValueAtPercentile(99),
                delivery.getValueAtPercentile(50),
                delivery.getValueAtPercentile(99),
                reply.getValueAtPercentile(50),
                reply.getValueAtPercentile(99),
                report.getValueAtPercentile(50),
                report.getValueAtPercentile(99),
                announce.getValueAtPercentile(50),
                announce.getValueAtPercentile(99));
    }

    private void write(RoundTrips limit, RoundTrips gateway, List<RoundTrips> warmUps, long compilingMs)
            throws IOException {
        var os = ManagementFactory.getOperatingSystemMXBean();
        List<String> lines = new ArrayList<>();
        lines.add("## Command round-trip benchmark, " + LocalDate.now());
        lines.add("");
        lines.add(String.format(
                Locale.ROOT,
                "Machine: %d cores, %s %s, Java %s. MQTT broker: %s; Kafka (KRaft) and"
                        + " mongo-java-server in the same JVM. %d commands/s for %d s over %d devices, after"
                        + " %d s of warm-up.",
                os.getAvailableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                MQTT_BROKER_NAME,
                RATE,
                SECONDS,
                DEVICES,
                WARMUP_SECONDS));
        lines.add("");
        lines.add("| run | sent | answered | p50 ms | p99 ms | max ms |");
        lines.add("|---|---|---|---|---|---|");
        lines.add(limit.row());
        lines.add(gateway.row());
        warmUps.forEach(run -> lines.add(run.row()));
        lines.add("");
        lines.add(String.format(
                Locale.ROOT,
                "Gateway p99: **%.2f ms** (target <= 50 ms), %.1fx the limit's p99. Unanswered: %d.",
                gateway.micros().getValueAtPercentile(99) / 1000.0,
                (double) gateway.micros().getValueAtPercentile(99)
                        / Math.max(1, limit.micros().getValueAtPercentile(99)),
                gateway.sent() - gateway.answered()));
        lines.add(stages);
        lines.add(String.format(
                Locale.ROOT,
                "The JIT compiler spent %d ms compiling during the measured run. The last rows are the warm-up: the"
                        + " same devices' first commands, while their Kafka report topics are created, then %d s more"
                        + " while the JIT compiler compiles the command path.",
                compilingMs,
                WARMUP_SECONDS));
        String out = String.join("\n", lines) + "\n";
        Path report = Path.of("target", "benchmark", "commands.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out);
        System.out.println(out);
    }
}
