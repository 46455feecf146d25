package io.iotgateway.security;

import static com.mongodb.client.model.Filters.regex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.security.HostilePayloads.Kind;
import io.iotgateway.security.HostilePayloads.Payload;
import io.iotgateway.security.HostilePayloads.Shape;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MqttDevice;
import io.iotgateway.support.WebSocketSession;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Generated hostile input on every way in (each inbound device family over MQTT, the HTTP command API, WebSocket
 * publish frames): random bytes, truncated and deeply nested JSON, huge strings and numbers, NaN and Infinity, wrong
 * types, missing fields, invalid UTF-8, UTF-16, duplicate names, trailing content, raw control characters, oversize.
 * Every MQTT message ends in the dead-letter topic exactly once with a reject reason that fits how it was broken;
 * every HTTP request gets a 4xx problem with a reason and every frame an error frame, never a 5xx or a stack trace;
 * valid traffic published at the same time is delivered exactly once; the gateway stays up. The seed is printed (and
 * can be set with {@code -Dhostile.seed=...}) so a failure can be replayed.
 */
class HostileInputIT extends GatewayIntegrationTest {

    private static final long SEED = Long.getLong("hostile.seed", System.nanoTime());
    private static final int MQTT_PER_FAMILY = 2_500;
    private static final int VALID_PER_FAMILY = 25;
    private static final int HTTP_REQUESTS = 1_500;
    private static final int WEBSOCKET_FRAMES = 1_500;
    private static final int MQTT_MAX_BYTES = 65_536;
    private static final int COMMAND_MAX_BYTES = 16_384;
    /** Stays below the servlet container's WebSocket text buffer (8 KiB), which closes the session beyond it. */
    private static final int FRAME_BUDGET = 6_000;

    private static final String DLQ = "device.telemetry.dlq";
    private static final Set<String> REJECT_REASONS = Arrays.stream(RejectReason.values())
            .filter(r -> r != RejectReason.PROCESSING_FAILED)
            .map(RejectReason::code)
            .collect(Collectors.toSet());
    private static final Pattern STACK_TRACE = Pattern.compile("\\bat [a-z]+\\.[\\w.$]+\\(|Exception\\b|\\.java:\\d");

    /** Commands are sent as the operator ({@code Http}'s default), the role the command API asks for. */
    private static final boolean AS_ADMIN = false;

    @LocalServerPort
    int port;

    /** One inbound family: its topic and a valid document for device {@code n}. */
    private record Family(String name, IntFunction<String> topic, IntFunction<Shape> shape, int recordsPerMessage) {}

    @Test
    void everyHostileDeviceMessageIsDeadLetteredOnceWithItsReasonWhileValidTrafficFlows() throws Exception {
        String run = uniqueId("fz");
        System.out.println("HostileInputIT MQTT seed=" + SEED + " run=" + run);
        List<Family> families = families(run);
        Map<String, Kind> sent = new ConcurrentHashMap<>();
        int hostile = families.size() * MQTT_PER_FAMILY;
        String valid = run + "-ok";
        List<ConsumerRecord<String, byte[]>> records;

        List<CompletableFuture<Void>> publishers = new ArrayList<>();
        long start = System.nanoTime();
        try (KafkaProbe.Tail deadLetterTopic = KAFKA.tail(DLQ)) {
            for (int f = 0; f < families.size(); f++) {
                Family family = families.get(f);
                HostilePayloads payloads = new HostilePayloads(SEED + f, MQTT_MAX_BYTES);
                publishers.add(CompletableFuture.runAsync(() -> {
                    try (MqttDevice publisher = new MqttDevice(MQTT_URL)) {
                        for (int n = 0; n < MQTT_PER_FAMILY; n++) {
                            Payload payload = payloads.next(family.shape().apply(n % 32), true);
                            String messageId = run + "-" + family.name() + "-" + n;
                            sent.put(messageId, payload.kind());
                            publisher.publish(
                                    family.topic().apply(n % 32),
                                    payload.bytes(),
                                    List.of(new UserProperty("message-id", messageId)));
                        }
                    }
                }));
            }
            // valid traffic at the same time, from devices of its own
            publishers.add(CompletableFuture.runAsync(() -> {
                try (MqttDevice publisher = new MqttDevice(MQTT_URL)) {
                    for (int n = 0; n < VALID_PER_FAMILY; n++) {
                        for (Family family : validFamilies(valid)) {
                            publisher.publish(
                                    family.topic().apply(n),
                                    HostilePayloads.render(
                                                    family.shape().apply(n).fields())
                                            .getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
            }));
            CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new))
                    .get(180, TimeUnit.SECONDS);
            assertThat(sent).hasSize(hostile);

            records = deadLetterTopic.awaitRecords(
                    r -> {
                        String messageId = KafkaProbe.header(r, "x-message-id");
                        return messageId != null && messageId.startsWith(run + "-");
                    },
                    hostile,
                    Duration.ofSeconds(240));
            System.out.printf("HostileInputIT MQTT: %d dead letters after %d ms%n", records.size(), millisSince(start));
        }
        // every hostile message is in the dead-letter topic, once, with a reason that fits how it was broken
        Set<String> arrived =
                records.stream().map(r -> KafkaProbe.header(r, "x-message-id")).collect(Collectors.toSet());
        Map<Kind, Long> missing = sent.entrySet().stream()
                .filter(e -> !arrived.contains(e.getKey()))
                .collect(Collectors.groupingBy(Map.Entry::getValue, Collectors.counting()));
        assertThat(missing)
                .as("hostile messages not dead-lettered, by kind (seed %d)", SEED)
                .isEmpty();
        assertThat(records).hasSize(hostile);
        Map<String, Long> perMessage = records.stream()
                .collect(Collectors.groupingBy(r -> KafkaProbe.header(r, "x-message-id"), Collectors.counting()));
        assertThat(perMessage.keySet()).isEqualTo(sent.keySet());
        Map<String, Long> byReason = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            String messageId = KafkaProbe.header(record, "x-message-id");
            String reason = KafkaProbe.header(record, "x-error-reason");
            String detail = KafkaProbe.header(record, "x-error-detail");
            Kind kind = sent.get(messageId);
            assertThat(reason)
                    .as("%s (%s, seed %d): %s", messageId, kind, SEED, detail)
                    .isIn(REJECT_REASONS)
                    .isIn(kind.reasons);
            assertThat(detail).as(messageId).isNotBlank().doesNotContainPattern(STACK_TRACE);
            byReason.merge(reason, 1L, Long::sum);
        }
        System.out.println("HostileInputIT MQTT dead letters by reason: " + byReason);
        assertThat(KAFKA.read(
                        "device.telemetry",
                        r -> r.key() != null
                                && r.key().startsWith(run + "-")
                                && !r.key().startsWith(valid)))
                .as("hostile messages accepted")
                .isEmpty();

        // the valid traffic: every record once in Kafka and MongoDB, none dead-lettered
        int expected = validFamilies(valid).stream()
                .mapToInt(f -> f.recordsPerMessage() * VALID_PER_FAMILY)
                .sum();
        KAFKA.awaitRecords("device.telemetry", r -> r.key() != null && r.key().startsWith(valid), expected);
        assertThat(KAFKA.read(
                        "device.telemetry", r -> r.key() != null && r.key().startsWith(valid)))
                .hasSize(expected);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(sensorData().countDocuments(regex("deviceId", "^" + valid)))
                        .isEqualTo(expected));
        assertThat(KAFKA.read(DLQ, r -> r.key() != null && r.key().startsWith(valid)))
                .isEmpty();
        assertGatewayUp();
    }

    @Test
    void everyHostileCommandRequestGetsA4xxProblemWithAReason() {
        String run = uniqueId("fzh");
        System.out.println("HostileInputIT HTTP seed=" + SEED + " run=" + run);
        Http http = new Http(port);
        HostilePayloads payloads = new HostilePayloads(SEED + 100, COMMAND_MAX_BYTES * 2);
        String[] contentTypes = {"application/json", "text/plain", "application/octet-stream", "application/xml"};
        Map<Integer, Long> byStatus = new LinkedHashMap<>();
        for (int n = 0; n < HTTP_REQUESTS; n++) {
            Payload payload = payloads.next(commandShape(), true);
            HttpResponse<String> response = http.post(
                    "/api/devices/" + run + "-" + n + "/commands/fan",
                    payload.bytes(),
                    contentTypes[n % contentTypes.length],
                    AS_ADMIN);
            assertThat(response.statusCode())
                    .as("%s (seed %d): %s", payload.kind(), SEED, response.body())
                    .isBetween(400, 499);
            JsonNode problem = Http.Json.of(response).body();
            assertThat(problem).as("%s: %s", payload.kind(), response.body()).isNotNull();
            assertThat(problem.path("reason").asText())
                    .as("%s: %s", payload.kind(), response.body())
                    .isIn(REJECT_REASONS);
            assertThat(response.body()).doesNotContainPattern(STACK_TRACE);
            byStatus.merge(response.statusCode(), 1L, Long::sum);
        }
        // hostile addresses with a valid body: refused by the firewall (no body) or by the API (with a reason)
        String[] ids = {
            "a b",
            "caf\u00e9",
            "a+b",
            "a#b",
            "x".repeat(129),
            "..",
            "a%b",
            "$where",
            "<script>",
            "a'b\"c",
            "\u200b",
            "a\\b",
            "\u0000",
            "a/b",
            "a;b",
            "a\nb",
            "\ud83d\ude00"
        };
        for (String id : ids) {
            for (String component : List.of("fan", id)) {
                String path = "/api/devices/"
                        + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20") + "/commands/"
                        + URLEncoder.encode(component, StandardCharsets.UTF_8).replace("+", "%20");
                HttpResponse<String> response = http.post(
                        path,
                        "{\"command\":\"setSpeed\",\"value\":50}".getBytes(StandardCharsets.UTF_8),
                        "application/json",
                        AS_ADMIN);
                assertThat(response.statusCode())
                        .as(path + ": " + response.body())
                        .isBetween(400, 499);
                assertThat(response.body()).as(path).doesNotContainPattern(STACK_TRACE);
            }
        }
        System.out.println("HostileInputIT HTTP statuses: " + byStatus);
        assertThat(mongoClient
                        .getDatabase("iot")
                        .getCollection("controlCommands")
                        .countDocuments(regex("deviceId", "^" + run)))
                .isZero();
        assertGatewayUp();
    }

    @Test
    void everyHostileWebSocketPublishGetsAnErrorFrame() {
        String run = uniqueId("fzw");
        System.out.println("HostileInputIT WebSocket seed=" + SEED + " run=" + run);
        HostilePayloads payloads = new HostilePayloads(SEED + 200, FRAME_BUDGET);
        try (WebSocketSession socket = new WebSocketSession("ws://127.0.0.1:" + port + "/ws")) {
            for (int n = 0; n < WEBSOCKET_FRAMES; n++) {
                Payload payload = payloads.next(commandShape(), false);
                // most frames carry the hostile command; every tenth frame is itself the hostile text
                String frame = n % 10 == 9
                        ? payload.text()
                        : "{\"type\":\"publish\",\"requestId\":" + n + ",\"topic\":\"bike." + run + "-" + n
                                + ".fan.command\",\"payload\":" + payload.text() + "}";
                socket.send(frame);
                // one reply per frame, in order; waiting for it also keeps this reader from falling behind
                int replies = n + 1;
                await().atMost(Duration.ofSeconds(30))
                        .pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(2))
                        .failFast("session closed", () -> socket.closedBy() != null)
                        .untilAsserted(() -> assertThat(socket.frames())
                                .as("reply to %s frame %d (seed %d): %s", payload.kind(), replies - 1, SEED, frame)
                                .hasSizeGreaterThanOrEqualTo(replies));
                assertThat(socket.closedBy())
                        .as("%s: %s", payload.kind(), frame)
                        .isNull();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> socket.frames().size() >= WEBSOCKET_FRAMES);
            List<JsonNode> frames = socket.frames();
            assertThat(frames).hasSize(WEBSOCKET_FRAMES);
            Map<String, Long> byReason = new LinkedHashMap<>();
            for (JsonNode frame : frames) {
                assertThat(frame.path("type").asText())
                        .as("seed %d: %s", SEED, frame)
                        .isEqualTo("error");
                assertThat(frame.path("reason").asText())
                        .as(frame.toString())
                        .isIn(union(REJECT_REASONS, Set.of("invalid-frame")));
                assertThat(frame.path("message").asText())
                        .as(frame.toString())
                        .isNotBlank()
                        .doesNotContainPattern(STACK_TRACE);
                byReason.merge(frame.path("reason").asText(), 1L, Long::sum);
            }
            System.out.println("HostileInputIT WebSocket errors by reason: " + byReason);
        }
        assertGatewayUp();
    }

    /** Cases the generator found, kept as fixed examples. */
    @Test
    void webSocketFramesFoundByTheGeneratorGetTheirErrorFrame() {
        String topic = "bike." + uniqueId("fzr") + ".fan.command";
        try (WebSocketSession socket = new WebSocketSession("ws://127.0.0.1:" + port + "/ws")) {
            // the parser quoted half of a surrogate pair in its message, which could not be sent: no reply at all
            socket.send("{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"payload\":\ud83d\ude00}");
            // 1e400 became the double Infinity, written out again as the string "Infinity": a valid command name
            socket.send("{\"type\":\"publish\",\"requestId\":2,\"topic\":\"" + topic
                    + "\",\"payload\":{\"command\":1e400,\"value\":50}}");
            await().atMost(Duration.ofSeconds(10)).until(() -> socket.frames().size() >= 2);
            assertThat(socket.frames().get(0).path("reason").asText()).isEqualTo("invalid-frame");
            assertThat(socket.frames().get(0).path("message").asText()).startsWith("not JSON: Unexpected character");
            assertThat(socket.frames().get(1).path("reason").asText()).isEqualTo("invalid-command");
            assertThat(socket.frames().get(1).path("message").asText()).isEqualTo("command must be a string");
        }
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    /**
     * The gateway is up after it: the aggregate health, the brokers' connections and the ingest subscriptions. (The
     * aggregate covers routes other tests add and remove at run time too: a Kamelet route left behind by a reload once
     * kept it DOWN after KameletIT.)
     */
    private void assertGatewayUp() {
        Http http = new Http(port);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode health = Http.Json.of(http.getAsAdmin("/actuator/health")).body();
            for (String component : List.of("kafka", "mongodb", "livenessState")) {
                assertThat(health.path("components")
                                .path(component)
                                .path("status")
                                .asText())
                        .as(component + " in " + health)
                        .isEqualTo("UP");
            }
            JsonNode subscriptions =
                    health.path("components").path("mqtt").path("details").path("subscriptions");
            for (String family : List.of("bike", "devices", "environment", "fms")) {
                assertThat(subscriptions.path("ingest-receive-" + family).asText())
                        .as(family + " in " + health)
                        .isEqualTo("connected");
            }
            assertThat(health.path("status").asText())
                    .as("aggregate health " + health)
                    .isEqualTo("UP");
        });
        for (String route : List.of(
                "ingest-receive-bike",
                "ingest-receive-devices",
                "ingest-receive-environment",
                "ingest-receive-fms",
                "errors-publish-dead-letter",
                "commands-publish-to-device")) {
            assertThat(camel.getRouteController().getRouteStatus(route).isStarted())
                    .as(route)
                    .isTrue();
        }
    }

    /** The seed families, with device ids of this run (the environment family repeats its id in the payload). */
    private static List<Family> families(String run) {
        return List.of(
                new Family(
                        "bike",
                        n -> "bike/" + run + "-bike-" + n + "/cadence",
                        n -> new Shape(
                                fields("value", "87.5", "unitName", "\"RPM\"", "timestamp", "1763320419"),
                                List.of("value"),
                                MQTT_MAX_BYTES),
                        1),
                new Family(
                        "devices",
                        n -> "devices/" + run + "-devices-" + n + "/telemetry",
                        n -> new Shape(
                                fields("sensorType", "\"temperature\"", "value", "21.5", "timestamp", "1763320419"),
                                List.of("value"),
                                MQTT_MAX_BYTES),
                        1),
                new Family(
                        "environment",
                        n -> "sensors/" + run + "/" + run + "-environment-" + n + "/frame",
                        n -> new Shape(
                                fields(
                                        "id", "\"" + run + "-environment-" + n + "\"",
                                        "temperature", "21.5",
                                        "humidity", "40",
                                        "pressure", "1013",
                                        "luminosity", "300",
                                        "timestamp", "1763320419"),
                                List.of("temperature", "humidity", "pressure", "luminosity"),
                                MQTT_MAX_BYTES),
                        4),
                new Family(
                        "fms",
                        n -> "fms/data",
                        n -> new Shape(
                                fields(
                                        "vehicle_id", "\"" + run + "-fms-" + n + "\"",
                                        "timestamp", "1763320419",
                                        "speed", "80",
                                        "rpm", "2000",
                                        "fuel_level", "55"),
                                List.of("speed", "rpm", "fuel_level", "timestamp"),
                                MQTT_MAX_BYTES),
                        3));
    }

    /** Valid messages of each family; the timestamp differs per message so each is its own reading. */
    private static List<Family> validFamilies(String prefix) {
        return families(prefix).stream()
                .map(f -> new Family(
                        f.name(),
                        f.topic(),
                        n -> {
                            Shape shape = f.shape().apply(n);
                            Map<String, String> fields = new LinkedHashMap<>(shape.fields());
                            fields.put("timestamp", String.valueOf(1_763_320_419L + n));
                            return new Shape(fields, shape.numbers(), shape.maxBytes());
                        },
                        f.recordsPerMessage()))
                .toList();
    }

    private static Shape commandShape() {
        return new Shape(
                fields("command", "\"setSpeed\"", "value", "50"), List.of("command", "value"), COMMAND_MAX_BYTES);
    }

    private static Map<String, String> fields(String... namesAndValues) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            fields.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return fields;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new java.util.HashSet<>(a);
        all.addAll(b);
        return all;
    }
}
