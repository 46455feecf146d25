package io.iotgateway.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.LiveConsumer;
import io.iotgateway.support.SseStream;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Windowed aggregates and workout sessions end to end: devices publish over MQTT with explicit event times, the
 * results are read from Kafka (read_committed), MongoDB and the API.
 *
 * <p>Stream time is per partition and only moves forward; the other tests publish at "now" and in 2025, so these
 * tests use event times far in the future, each test a later day than the last, and close a window by publishing a
 * later record on the same partition (the same device, or a device chosen to hash to that partition).
 */
class AnalyticsIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant FUTURE = Instant.parse("2031-01-01T00:00:00Z");
    private static final AtomicInteger DAYS_AHEAD = new AtomicInteger();
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Duration GRACE = Duration.ofMinutes(1);
    private static final Duration IDLE = Duration.ofMinutes(5);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Autowired
    AnalyticsStreams analytics;

    @Autowired
    MeterRegistry meters;

    @Autowired
    AnalyticsHealthIndicator health;

    @LocalServerPort
    int port;

    /** Start of this test's first window: a day after everything earlier tests published. */
    Instant t0;

    @BeforeEach
    void laterThanEverythingBefore() {
        t0 = FUTURE.plus(Duration.ofDays(DAYS_AHEAD.incrementAndGet()));
    }

    @Test
    void windowBoundariesAndLatenessDecideWhichWindowCountsARecord() {
        String id = uniqueId("thermo");
        double droppedBefore = analytics.droppedRecords();

        reading(id, "temperature", 10, t0);
        reading(id, "temperature", 20, t0.plus(WINDOW).minusSeconds(1)); // last second of window 0
        reading(id, "temperature", 30, t0.plus(WINDOW)); // first instant of window 1
        reading(id, "temperature", 40, t0.plusSeconds(60)); // out of order, window 0 still open: counts
        reading(id, "temperature", 50, t0.plus(WINDOW).plus(GRACE).plusSeconds(30)); // closes window 0
        reading(id, "temperature", 60, t0.plusSeconds(120)); // window 0 closed: beyond the lateness, dropped
        reading(
                id,
                "temperature",
                70,
                t0.plus(WINDOW.multipliedBy(2)).plus(GRACE).plusSeconds(1)); // closes 1

        List<JsonNode> windows = awaitWindows("iot-aggregate-metrics-by-sensor", id, 2);
        JsonNode first = windows.get(0);
        assertThat(first.get("kind").asText()).isEqualTo("sensor");
        assertThat(first.get("deviceId").asText()).isEqualTo(id);
        assertThat(first.get("sensorType").asText()).isEqualTo("temperature");
        assertThat(first.get("windowStart").asText()).isEqualTo(t0.toString());
        assertThat(first.get("windowEnd").asText()).isEqualTo(t0.plus(WINDOW).toString());
        assertThat(first.get("count").asLong()).isEqualTo(3);
        assertThat(first.get("avg").asDouble()).isCloseTo(70.0 / 3, within(1e-9));
        assertThat(first.get("min").asDouble()).isEqualTo(10);
        assertThat(first.get("max").asDouble()).isEqualTo(40);
        assertThat(first.get("last").asDouble()).isEqualTo(20); // latest event time, not latest arrival
        JsonNode second = windows.get(1);
        assertThat(second.get("windowStart").asText()).isEqualTo(t0.plus(WINDOW).toString());
        assertThat(second.get("count").asLong()).isEqualTo(2);
        assertThat(second.get("avg").asDouble()).isEqualTo(40);
        assertThat(second.get("last").asDouble()).isEqualTo(50);

        assertThat(analytics.droppedRecords()).isGreaterThan(droppedBefore);

        Document stored = awaitDocument(
                mongo("aggregatesBySensor"), "sensor:" + id + ":temperature:" + t0, d -> d.getLong("count") == 3);
        assertThat(stored.getDate("windowStart")).isEqualTo(Date.from(t0));
        assertThat(stored.getDate("windowEnd")).isEqualTo(Date.from(t0.plus(WINDOW)));
        assertThat(stored.getString("deviceId")).isEqualTo(id);
        assertThat(stored.getDouble("max")).isEqualTo(40);
    }

    @Test
    void recordWithoutEventTimeIsSkippedAndCounted() {
        String id = uniqueId("no-time");
        double skippedBefore =
                meters.counter("gateway.analytics.records.skipped").count();

        // Another producer's record without a timestamp: persistence dead-letters it, the analytics skip it.
        KAFKA.send(
                "device.telemetry",
                id,
                "{\"deviceId\":\"%s\",\"sensorType\":\"temperature\",\"value\":1}"
                        .formatted(id)
                        .getBytes(StandardCharsets.UTF_8));

        await().atMost(WAIT)
                .until(() -> meters.counter("gateway.analytics.records.skipped").count() > skippedBefore);
        reading(id, "temperature", 5, t0);
        reading(id, "temperature", 7, t0.plus(WINDOW).plus(GRACE).plusSeconds(1));
        assertThat(awaitWindows("iot-aggregate-metrics-by-sensor", id, 1)
                        .get(0)
                        .get("count")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void placeWindowsAggregateEverySensorOfThePlace() {
        String place = uniqueId("room");
        List<String> ids = onePartition("env", 2);

        frame(place, ids.get(0), t0.plusSeconds(10), 20, 40);
        frame(place, ids.get(1), t0.plusSeconds(20), 24, 50);
        // two devices' messages keep no order between them (each device's does): the frames first, then the closer
        ids.forEach(id -> inTelemetry(id, 4));
        frame(place, ids.get(0), t0.plus(WINDOW).plus(GRACE).plusSeconds(1), 30, 60); // closes window 0

        List<JsonNode> windows = awaitWindows("iot-aggregate-metrics-by-place", place, 4);
        assertThat(windows)
                .extracting(w -> w.get("sensorType").asText())
                .containsExactlyInAnyOrder("temperature", "humidity", "pressure", "luminosity");
        JsonNode temperature = windows.stream()
                .filter(w -> w.get("sensorType").asText().equals("temperature"))
                .findFirst()
                .orElseThrow();
        assertThat(temperature.get("kind").asText()).isEqualTo("place");
        assertThat(temperature.get("placeId").asText()).isEqualTo(place);
        assertThat(temperature.has("deviceId")).isFalse();
        assertThat(temperature.get("windowStart").asText()).isEqualTo(t0.toString());
        assertThat(temperature.get("count").asLong()).isEqualTo(2);
        assertThat(temperature.get("avg").asDouble()).isEqualTo(22);
        assertThat(temperature.get("last").asDouble()).isEqualTo(24);

        Document humidity = awaitDocument(mongo("aggregatesByPlace"), "place:" + place + ":humidity:" + t0, d -> true);
        assertThat(humidity.getString("placeId")).isEqualTo(place);
        assertThat(humidity.getDouble("avg")).isEqualTo(45);
        assertThat(humidity.getLong("count")).isEqualTo(2);

        // and for Grafana, as gauges of the latest closed window per place
        await().atMost(Duration.ofSeconds(30))
                .until(() -> meters.find("gateway.aggregate.place.avg")
                                .tags("place", place, "sensor_type", "humidity")
                                .gauge()
                        != null);
        assertThat(meters.get("gateway.aggregate.place.avg")
                        .tags("place", place, "sensor_type", "humidity")
                        .gauge()
                        .value())
                .isEqualTo(45);
        assertThat(meters.get("gateway.aggregate.place.samples")
                        .tags("place", place, "sensor_type", "temperature")
                        .gauge()
                        .value())
                .isEqualTo(2);
    }

    @Test
    void manyDevicesEachGetTheirWindowExactlyOnce() {
        int devices = 20;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            ids.add(uniqueId("fleet"));
        }
        for (int i = 0; i < devices; i++) {
            for (int s = 0; s < 3; s++) {
                reading(ids.get(i), "speed", i * 10 + s, t0.plusSeconds(s * 60L + i));
            }
        }
        // every window record of every device is in Kafka before any closing record (two devices' messages keep no
        // order between them, each device's does)
        ids.forEach(id -> inTelemetry(id, 3));
        ids.forEach(id -> reading(id, "speed", 0, t0.plus(WINDOW).plus(GRACE).plusSeconds(1)));
        ids.forEach(id -> inTelemetry(id, 4));
        // and a second window closed behind the first proves nothing more is coming for window 0
        ids.forEach(id -> reading(
                id, "speed", 0, t0.plus(WINDOW.multipliedBy(2)).plus(GRACE).plusSeconds(2)));

        for (int i = 0; i < devices; i++) {
            List<JsonNode> windows = awaitWindows("iot-aggregate-metrics-by-sensor", ids.get(i), 2);
            assertThat(windows).hasSize(2);
            assertThat(windows.get(0).get("windowStart").asText()).isEqualTo(t0.toString());
            assertThat(windows.get(0).get("count").asLong()).isEqualTo(3);
            assertThat(windows.get(0).get("avg").asDouble()).isEqualTo(i * 10 + 1);
            assertThat(windows.get(1).get("count").asLong()).isEqualTo(1);
        }
        await().atMost(WAIT)
                .until(() -> mongo("aggregatesBySensor").countDocuments(Filters.in("deviceId", ids)) == 2L * devices);
    }

    @Test
    void restartInTheMiddleOfAWindowLosesNothingAndEmitsOnce() {
        String id = uniqueId("restart");
        reading(id, "humidity", 40, t0.plusSeconds(10));
        reading(id, "humidity", 42, t0.plusSeconds(20));
        // both are in the window's state, committed to its changelog
        KAFKA.awaitRecords(
                "iot-gateway-analytics-analytics-sensor-windows-changelog",
                r -> r.key().startsWith(id) && r.value() != null && SensorStatsSerde.read(JSON, r.value()).count == 2,
                1);

        analytics.stop();
        assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
        analytics.start();
        await().atMost(WAIT).until(() -> analytics.state() == KafkaStreams.State.RUNNING);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);

        reading(id, "humidity", 44, t0.plusSeconds(30));
        reading(id, "humidity", 50, t0.plus(WINDOW).plus(GRACE).plusSeconds(1)); // closes window 0
        reading(id, "humidity", 50, t0.plus(WINDOW.multipliedBy(2)).plus(GRACE).plusSeconds(1)); // closes 1

        List<JsonNode> windows = awaitWindows("iot-aggregate-metrics-by-sensor", id, 2);
        assertThat(windows).hasSize(2);
        assertThat(windows.get(0).get("windowStart").asText()).isEqualTo(t0.toString());
        assertThat(windows.get(0).get("count").asLong()).isEqualTo(3);
        assertThat(windows.get(0).get("avg").asDouble()).isEqualTo(42);
        assertThat(windows.get(1).get("windowStart").asText())
                .isEqualTo(t0.plus(WINDOW).toString());
    }

    @Test
    void sessionsStartAndEndOnIdleGapsAndAreListedAndAnnouncedLive() {
        String id = uniqueId("bike");
        Http api = new Http(port);
        // each session starts after the previous one's idle timeout (and the lateness) has passed
        Instant second = t0.plusSeconds(120).plus(IDLE).plus(GRACE).plusSeconds(1);
        Instant third = second.plusSeconds(10).plus(IDLE).plus(GRACE).plusSeconds(1);
        LiveConsumer.awaitAssigned(BROKERS.kafkaBootstrap(), WAIT);
        try (SseStream live = new SseStream(api.url("/events?type=session&deviceId=" + id), Map.of())) {
            await().atMost(WAIT).until(() -> live.comments().contains("connected"));

            // session 1: three minutes of riding
            bike(id, "heartrate", 120, t0);
            bike(id, "power", 200, t0.plusSeconds(30));
            bike(id, "heartrate", 130, t0.plusSeconds(60));
            bike(id, "power", 260, t0.plusSeconds(90));
            bike(id, "heartrate", 140, t0.plusSeconds(120));
            // session 2 starts after the idle timeout (and the lateness) has passed: session 1 ends
            bike(id, "cadence", 80, second);
            bike(id, "cadence", 90, second.plusSeconds(10));
            // session 3 ends session 2
            bike(id, "speed", 25, third);

            List<JsonNode> events = KAFKA.awaitRecords("bike.sessions", r -> id.equals(r.key()), 5).stream()
                    .map(r -> json(r.value()))
                    .toList();
            assertThat(events)
                    .extracting(
                            e -> e.get("event").asText() + "@" + e.get("start").asText())
                    // a started and the previous session's ended come from the same record: their order is free
                    .containsExactlyInAnyOrder(
                            "started@" + t0, "started@" + second, "ended@" + t0, "started@" + third, "ended@" + second);
            JsonNode first = events.stream()
                    .filter(e -> e.get("event").asText().equals("ended"))
                    .findFirst()
                    .orElseThrow();
            assertThat(first.get("sessionId").asText()).isEqualTo(id + ":" + t0.toEpochMilli());
            assertThat(first.get("end").asText()).isEqualTo(t0.plusSeconds(120).toString());
            assertThat(first.get("durationSeconds").asLong()).isEqualTo(120);
            assertThat(first.get("samples").asLong()).isEqualTo(5);
            assertThat(first.at("/metrics/heartrate/samples").asLong()).isEqualTo(3);
            assertThat(first.at("/metrics/heartrate/avg").asDouble()).isEqualTo(130);
            assertThat(first.at("/metrics/heartrate/max").asDouble()).isEqualTo(140);
            assertThat(first.at("/metrics/power/avg").asDouble()).isEqualTo(230);
            assertThat(first.at("/metrics/power/max").asDouble()).isEqualTo(260);

            await().atMost(WAIT).until(() -> live.events("session").size() >= 5);
            assertThat(live.events("session"))
                    .extracting(e -> json(e.data()).get("event").asText())
                    .containsExactlyInAnyOrder("started", "started", "ended", "started", "ended");
        }

        await().atMost(WAIT).until(() -> mongo("workoutSessions").countDocuments(Filters.eq("deviceId", id)) == 3);
        Http.Json listed = api.getJson("/api/sessions?deviceId=" + id);
        assertThat(listed.status()).isEqualTo(200);
        JsonNode sessions = listed.body();
        assertThat(sessions).hasSize(3);
        assertThat(sessions.get(0).get("start").asText()).isEqualTo(third.toString());
        assertThat(sessions.get(0).get("status").asText()).isEqualTo("active");
        assertThat(sessions.get(1).get("status").asText()).isEqualTo("ended");
        assertThat(sessions.get(1).get("durationSeconds").asLong()).isEqualTo(10);
        assertThat(sessions.get(2).get("sessionId").asText()).isEqualTo(id + ":" + t0.toEpochMilli());
        assertThat(sessions.get(2).at("/metrics/heartrate/max").asDouble()).isEqualTo(140);
        assertThat(api.getJson("/api/sessions?deviceId=" + id + "&limit=1").body())
                .hasSize(1);

        Http.Json badLimit = api.getJson("/api/sessions?limit=0");
        assertThat(badLimit.status()).isEqualTo(400);
        assertThat(badLimit.body().get("reason").asText()).isEqualTo("invalid-parameter");
        Http.Json badDevice = api.getJson("/api/sessions?deviceId=no%20spaces");
        assertThat(badDevice.status()).isEqualTo(400);
        assertThat(badDevice.body().get("reason").asText()).isEqualTo("invalid-parameter");
    }

    @Test
    void resultThatIsNotAnAggregateIsDeadLetteredAndDoesNotBlockTheOthers() {
        String key = uniqueId("intruder");
        KAFKA.send("iot-aggregate-metrics-by-sensor", key, "not json".getBytes(StandardCharsets.UTF_8));
        KAFKA.send("bike.sessions", key, "{\"event\":\"started\"}".getBytes(StandardCharsets.UTF_8));

        ConsumerRecord<String, byte[]> notJson = KAFKA.awaitRecords(
                        "device.telemetry.dlq",
                        r -> key.equals(r.key())
                                && "iot-aggregate-metrics-by-sensor".equals(KafkaProbe.header(r, "x-source-topic")),
                        1)
                .get(0);
        assertThat(KafkaProbe.header(notJson, "x-error-reason")).isEqualTo("invalid-record");
        assertThat(new String(notJson.value(), StandardCharsets.UTF_8)).isEqualTo("not json");
        ConsumerRecord<String, byte[]> noSession = KAFKA.awaitRecords(
                        "device.telemetry.dlq",
                        r -> key.equals(r.key()) && "bike.sessions".equals(KafkaProbe.header(r, "x-source-topic")),
                        1)
                .get(0);
        assertThat(KafkaProbe.header(noSession, "x-error-detail")).contains("sessionId");

        // the routes go on: a real window behind the rejected record is stored
        String id = uniqueId("after");
        reading(id, "temperature", 1, t0);
        reading(id, "temperature", 2, t0.plus(WINDOW).plus(GRACE));
        awaitDocument(mongo("aggregatesBySensor"), "sensor:" + id + ":temperature:" + t0, d -> true);
    }

    private void reading(String deviceId, String sensorType, double value, Instant at) {
        device.publish(
                "devices/" + deviceId + "/telemetry",
                "{\"deviceId\":\"%s\",\"sensorType\":\"%s\",\"value\":%s,\"timestamp\":\"%s\"}"
                        .formatted(deviceId, sensorType, value, at));
    }

    private void frame(String place, String deviceId, Instant at, double temperature, double humidity) {
        device.publish(
                "sensors/" + place + "/" + deviceId + "/frame",
                ("{\"id\":\"%s\",\"timestamp\":\"%s\",\"temperature\":%s,\"humidity\":%s,"
                                + "\"pressure\":1000,\"luminosity\":300}")
                        .formatted(deviceId, at, temperature, humidity));
    }

    private void bike(String deviceId, String sensorType, double value, Instant at) {
        device.publish(
                "bike/" + deviceId + "/" + sensorType,
                "{\"value\":%s,\"timestamp\":%s}".formatted(value, at.getEpochSecond()));
    }

    /** Waits until {@code count} canonical records of the device are in Kafka. */
    private static void inTelemetry(String deviceId, int count) {
        KAFKA.awaitKey("device.telemetry", deviceId, count);
    }

    /** The closed windows of one key, in the order they were emitted (which is window order). */
    private List<JsonNode> awaitWindows(String topic, String key, int count) {
        return KAFKA.awaitKey(topic, key, count).stream()
                .map(ConsumerRecord::value)
                .map(AnalyticsIT::json)
                .toList();
    }

    private MongoCollection<Document> mongo(String collection) {
        return mongoClient.getDatabase("iot").getCollection(collection);
    }

    private static Document awaitDocument(MongoCollection<Document> collection, String id, Predicate<Document> ok) {
        Document[] found = new Document[1];
        await().atMost(WAIT).until(() -> {
            found[0] = collection.find(Filters.eq("_id", id)).first();
            return found[0] != null && ok.test(found[0]);
        });
        return found[0];
    }

    /** Device ids whose records share one partition of the telemetry topic (so their order is the publish order). */
    private static List<String> onePartition(String prefix, int count) {
        List<String> ids = new ArrayList<>();
        int partition = -1;
        while (ids.size() < count) {
            String id = uniqueId(prefix);
            int p = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8))) % EmbeddedBrokers.PARTITIONS;
            if (partition < 0) {
                partition = p;
            }
            if (p == partition) {
                ids.add(id);
            }
        }
        return ids;
    }

    private static JsonNode json(byte[] bytes) {
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode json(String text) {
        return json(text.getBytes(StandardCharsets.UTF_8));
    }
}
