package io.iotgateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.LiveConsumer;
import io.iotgateway.support.SimulatedActuator;
import io.iotgateway.support.SseStream;
import io.iotgateway.support.WebSocketSession;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** SSE and WebSocket with real clients, fed by real telemetry through MQTT and Kafka. */
class LiveIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIVE = Duration.ofSeconds(30);

    @LocalServerPort
    int port;

    @Autowired
    LiveEventBus bus;

    @Autowired
    MeterRegistry meters;

    Http api;

    @BeforeEach
    void liveConsumerAssigned() {
        api = new Http(port);
        LiveConsumer.awaitAssigned(BROKERS.kafkaBootstrap(), LIVE);
    }

    @Test
    void sseStreamsTelemetryAndAlertsOfTheChosenDeviceOnly() throws IOException {
        String watched = uniqueId("bike");
        String other = uniqueId("bike");
        try (SseStream stream = new SseStream(api.url("/events?deviceId=" + watched), Map.of())) {
            await().atMost(LIVE).until(() -> stream.comments().contains("connected"));

            device.publish(
                    "bike/" + other + "/heartrate", "{\"value\":120,\"unitName\":\"BPM\",\"timestamp\":1757841770}");
            device.publish(
                    "bike/" + watched + "/heartrate", "{\"value\":190,\"unitName\":\"BPM\",\"timestamp\":1757841771}");

            await().atMost(LIVE)
                    .until(() -> stream.events("telemetry").size() == 1
                            && stream.events("alert").size() == 1);
            JsonNode telemetry = JSON.readTree(stream.events("telemetry").get(0).data());
            assertThat(telemetry.get("deviceId").asText()).isEqualTo(watched);
            assertThat(telemetry.get("sensorType").asText()).isEqualTo("heartrate");
            assertThat(telemetry.get("value").asDouble()).isEqualTo(190.0);
            JsonNode alert = JSON.readTree(stream.events("alert").get(0).data());
            assertThat(alert.get("rule").asText()).isEqualTo("heartrate-high");
            assertThat(stream.events().get(0).id()).matches("\\d+");
            assertThat(stream.events()).noneMatch(e -> e.data().contains(other));
        }
    }

    @Test
    void sseResumesAfterLastEventIdWithWhatItMissed() {
        String id = uniqueId("bike");
        String firstId;
        try (SseStream first = new SseStream(api.url("/events?deviceId=" + id + "&sensorType=speed"), Map.of())) {
            await().atMost(LIVE).until(() -> first.comments().contains("connected"));
            device.publish("bike/" + id + "/speed", "{\"value\":1,\"timestamp\":1757841770}");
            await().atMost(LIVE).until(() -> first.events("telemetry").size() == 1);
            firstId = first.events("telemetry").get(0).id();
        }
        // Published while the client is away.
        device.publish("bike/" + id + "/speed", "{\"value\":2,\"timestamp\":1757841771}");
        device.publish("bike/" + id + "/speed", "{\"value\":3,\"timestamp\":1757841772}");
        // three telemetry events buffered (besides them, the bike's readings may announce a workout session)
        await().atMost(LIVE).until(() -> bus.recentCount(id) >= 3);

        try (SseStream resumed = new SseStream(
                api.url("/events?deviceId=" + id + "&sensorType=speed"), Map.of("Last-Event-ID", firstId))) {
            await().atMost(LIVE).until(() -> resumed.events("telemetry").size() == 2);
            assertThat(resumed.events("telemetry"))
                    .extracting(e -> JSON.readTree(e.data()).get("value").asInt())
                    .containsExactly(2, 3);
        }
    }

    @Test
    void sseKeepsAnIdleStreamOpenWithHeartbeatComments() {
        try (SseStream idle = new SseStream(api.url("/events?deviceId=" + uniqueId("quiet")), Map.of())) {
            await().atMost(LIVE).until(() -> idle.comments().contains("heartbeat"));
            assertThat(idle.events()).isEmpty();
        }
    }

    @Test
    void sseRejectsABadFilterWithTheReason() {
        Http.Json response = api.getJson("/events?deviceId=bad%20id");
        assertThat(response.status()).isEqualTo(400);
        assertThat(response.body().get("reason").asText()).isEqualTo("invalid-parameter");
        assertThat(response.body().get("detail").asText()).contains("deviceId 'bad id'");
    }

    @Test
    void webSocketSubscribesReceivesTelemetryAndSendsCommands() {
        String id = uniqueId("bike");
        try (SimulatedActuator actuator = new SimulatedActuator(BROKERS.mqttUrl(), id);
                WebSocketSession socket = new WebSocketSession("ws://localhost:" + port + "/ws")) {
            socket.send("{\"type\":\"subscribe\",\"deviceId\":\"" + id + "\",\"sensorType\":\"cadence\","
                    + "\"requestId\":\"s1\"}");
            await().atMost(LIVE).until(() -> socket.frames("subscribed").size() == 1);
            assertThat(socket.frames("subscribed").get(0).get("requestId").asText())
                    .isEqualTo("s1");

            device.publish("bike/" + id + "/power", "{\"value\":250,\"timestamp\":1757841770}");
            device.publish("bike/" + id + "/cadence", "{\"value\":88,\"timestamp\":1757841771}");
            await().atMost(LIVE).until(() -> socket.frames("telemetry").size() == 1);
            JsonNode telemetry = socket.frames("telemetry").get(0);
            assertThat(telemetry.get("data").get("sensorType").asText()).isEqualTo("cadence");
            assertThat(telemetry.get("data").get("value").asDouble()).isEqualTo(88.0);

            socket.send("{\"type\":\"publish\",\"requestId\":\"c1\",\"topic\":\"bike." + id + ".fan.command\","
                    + "\"payload\":{\"command\":\"setSpeed\",\"value\":75}}");
            await().atMost(LIVE).until(() -> socket.frames("accepted").size() == 1);
            String commandId = socket.frames("accepted")
                    .get(0)
                    .get("command")
                    .get("commandId")
                    .asText();
            await().atMost(LIVE).until(() -> socket.frames("command-report").stream()
                    .anyMatch(f -> f.get("data").get("commandId").asText().equals(commandId)
                            && f.get("data").get("status").asText().equals("ACKED")));
            assertThat(actuator.state(id, "fan")).isEqualTo(75.0);
            // the sensor filter does not hide the device's command reports, but still hides other sensors
            assertThat(socket.frames("telemetry")).hasSize(1);
        }
    }

    @Test
    void webSocketRefusesBadFramesAndCommandsWithTheReason() {
        try (WebSocketSession socket = new WebSocketSession("ws://localhost:" + port + "/ws")) {
            socket.send("{\"type\":\"publish\",\"requestId\":\"c2\",\"topic\":\"bike.ws-1.fan.command\","
                    + "\"payload\":{\"command\":\"setSpeed\",\"value\":500}}");
            socket.send("not json");
            socket.send("{\"type\":\"dance\"}");
            socket.send("{\"type\":\"publish\",\"topic\":\"somewhere.else\",\"payload\":{}}");

            await().atMost(LIVE).until(() -> socket.frames("error").size() == 4);
            assertThat(socket.frames("error"))
                    .extracting(f -> f.get("reason").asText())
                    .containsExactly("value-out-of-range", "invalid-frame", "invalid-frame", "invalid-command");
            assertThat(socket.frames("error").get(0).get("requestId").asText()).isEqualTo("c2");
            assertThat(socket.frames("error").get(0).get("message").asText()).contains("500");
        }
    }

    /**
     * A client that never reads fills its socket, then its queue: it loses the oldest events (counted, and told when
     * it reads again) while a client that reads gets every event, in order.
     */
    @Test
    void aStuckClientLosesOnlyItsOwnOldestEvents() throws Exception {
        String id = uniqueId("load");
        double droppedBefore = dropped();
        String padding = "x".repeat(2000);
        try (Socket stuck = new Socket();
                SseStream reader = new SseStream(api.url("/events?deviceId=" + id), Map.of())) {
            stuck.setReceiveBufferSize(4096);
            stuck.connect(new java.net.InetSocketAddress("localhost", port));
            OutputStream request = stuck.getOutputStream();
            request.write(("GET /events?deviceId=" + id + " HTTP/1.1\r\nHost: localhost\r\n"
                            + "Authorization: " + Http.OPERATOR + "\r\n"
                            + "Accept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            request.flush();
            await().atMost(LIVE).until(() -> reader.comments().contains("connected"));
            await().atMost(LIVE).until(() -> bus.clientCount() >= 2);

            int total = 3000;
            for (int i = 0; i < total; i++) {
                bus.publish(
                        "telemetry",
                        id,
                        "speed",
                        "{\"deviceId\":\"" + id + "\",\"n\":" + i + ",\"pad\":\"" + padding + "\"}");
                int published = i + 1;
                if (published % 100 == 0) {
                    // the reading client keeps up; the stuck one cannot
                    await().atMost(LIVE).until(() -> reader.events("telemetry").size() == published);
                }
            }

            assertThat(reader.events("telemetry"))
                    .extracting(e -> JSON.readTree(e.data()).get("n").asInt())
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, total).boxed().toList());
            assertThat(reader.events("dropped")).isEmpty();
            await().atMost(LIVE).until(() -> dropped() > droppedBefore);

            // Reading again, the stuck client is told how many events it lost.
            stuck.setSoTimeout((int) LIVE.toMillis());
            InputStream in = stuck.getInputStream();
            StringBuilder seen = new StringBuilder();
            byte[] buffer = new byte[65536];
            long deadline = System.nanoTime() + LIVE.toNanos();
            while (seen.indexOf("event: dropped") < 0 && System.nanoTime() < deadline) {
                int n = in.read(buffer);
                assertThat(n).as("stream ended before the dropped notice").isPositive();
                seen.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            }
            assertThat(seen.toString()).containsPattern("event: dropped\ndata: \\{\"count\":[1-9]\\d*}");
        }
    }

    /**
     * The WebSocket side of the same policy: a client that stops reading backs up its own TCP connection, then its queue
     * (gateway.live.client-buffer events), and loses the oldest events, counted and announced in a {@code dropped}
     * frame when it reads again; a client on the same device that reads gets every frame, in order, without waiting.
     */
    @Test
    void aWebSocketClientThatStopsReadingLosesOnlyItsOwnOldestFrames() {
        String id = uniqueId("wsload");
        double droppedBefore = dropped("websocket");
        // Large frames, so the slow client's socket buffers (megabytes on loopback) fill and its queue is reached.
        String padding = "x".repeat(10_000);
        int total = 3000;
        try (WebSocketSession slow = new WebSocketSession("ws://localhost:" + port + "/ws");
                WebSocketSession fast = new WebSocketSession("ws://localhost:" + port + "/ws")) {
            for (WebSocketSession socket : List.of(slow, fast)) {
                socket.send("{\"type\":\"subscribe\",\"deviceId\":\"" + id + "\"}");
                await().atMost(LIVE).until(() -> socket.frames("subscribed").size() == 1);
            }
            slow.stopReading();

            for (int i = 0; i < total; i++) {
                bus.publish(
                        "telemetry",
                        id,
                        "speed",
                        "{\"deviceId\":\"" + id + "\",\"n\":" + i + ",\"pad\":\"" + padding + "\"}");
                int published = i + 1;
                if (published % 100 == 0) {
                    // the fast client is not held up by the stuck one
                    await().atMost(Duration.ofSeconds(10))
                            .until(() -> fast.frames("telemetry").size() == published);
                }
            }
            assertThat(fast.frames("telemetry"))
                    .extracting(f -> f.get("data").get("n").asInt())
                    .containsExactlyElementsOf(
                            java.util.stream.IntStream.range(0, total).boxed().toList());
            assertThat(fast.frames("dropped")).isEmpty();
            await().atMost(LIVE).until(() -> dropped("websocket") > droppedBefore);

            // Reading again, the slow client gets what was kept (the newest, in order) and the count of what was not:
            // together every event, so nothing was buffered beyond the bound without being accounted for.
            slow.resumeReading();
            await().atMost(LIVE).until(() -> slow.frames("telemetry").size() + droppedCount(slow) == total);
            List<Integer> kept = slow.frames("telemetry").stream()
                    .map(f -> f.get("data").get("n").asInt())
                    .toList();
            assertThat(kept).isSorted().doesNotHaveDuplicates().endsWith(total - 1);
            assertThat(droppedCount(slow)).isPositive().isEqualTo((long) (dropped("websocket") - droppedBefore));
            assertThat(slow.closedBy()).isNull();
        }
    }

    private static long droppedCount(WebSocketSession socket) {
        return socket.frames("dropped").stream()
                .mapToLong(f -> f.get("count").asLong())
                .sum();
    }

    private double dropped() {
        return dropped("sse");
    }

    private double dropped(String transport) {
        var counter = meters.find("gateway.live.events.dropped")
                .tag("transport", transport)
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
