package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.GatewayExchange;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP ingest's answers, with the ingest step's Kafka send replaced by Camel routes that succeed, fail, or never answer
 * (Kafka unavailable): the request is answered 503 within the configured time, never 202 unless the send completed.
 */
class HttpIngestTest {

    /** As Spring Boot's: writes a ProblemDetail's properties (the reason) at the top level. */
    private static final ObjectMapper JSON = org.springframework.http.converter.json.Jackson2ObjectMapperBuilder.json()
            .build();

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    private final CountDownLatch kafkaBack = new CountDownLatch(1);
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicReference<Exchange> deadLettered = new AtomicReference<>();
    private CamelContext camel;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:kafka-ok").process(e -> {});
                from("direct:kafka-down").process(e -> {
                    throw new org.apache.kafka.common.errors.TimeoutException("Expiring 1 record(s)");
                });
                from("direct:kafka-hangs").process(e -> kafkaBack.await(30, TimeUnit.SECONDS));
                from("direct:hooks").process(e -> {});
            }
        });
        camel.start();
    }

    @AfterEach
    void stop() throws Exception {
        kafkaBack.countDown();
        executor.shutdownNow();
        camel.close();
    }

    @Test
    void acceptedOnlyOnceKafkaAcknowledged() throws Exception {
        Exchange answered = post(ingest("direct:kafka-ok"), "devices", "d1", "{}");
        assertThat(status(answered)).isEqualTo(202);
        assertThat(body(answered).path("deviceId").asText()).isEqualTo("d1");
    }

    @Test
    void kafkaThatNeverAnswersIs503WithinTheTimeout() throws Exception {
        long start = System.nanoTime();
        Exchange answered = post(ingest("direct:kafka-hangs"), "devices", "d1", "{}");
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(status(answered)).isEqualTo(503);
        assertThat(body(answered).path("reason").asText()).isEqualTo("kafka-unavailable");
        assertThat(body(answered).path("detail").asText()).contains("did not acknowledge");
        assertThat(took).isBetween(TIMEOUT.toMillis() - 50, TIMEOUT.toMillis() + 2000);
        assertThat(answered.getMessage().getHeader("Retry-After")).isEqualTo("5");
    }

    @Test
    void kafkaFailureIs503AndNotDeadLettered() throws Exception {
        Exchange answered = post(ingest("direct:kafka-down"), "devices", "d1", "{}");
        assertThat(status(answered)).isEqualTo(503);
        assertThat(body(answered).path("detail").asText()).contains("Expiring 1 record(s)");
        assertThat(deadLettered.get()).isNull();
    }

    @Test
    void rejectedPayloadIsDeadLetteredWithItsOriginalBytesAndAnsweredWithItsReason() throws Exception {
        HttpIngest ingest = ingest("direct:kafka-ok", (exchange, family) -> {
            throw new MessageRejectedException(RejectReason.SCHEMA_VIOLATION, "$.value: is missing");
        });
        Exchange answered = post(ingest, "devices", "d1", "{\"x\":1}");

        assertThat(status(answered)).isEqualTo(400);
        assertThat(body(answered).path("reason").asText()).isEqualTo("schema-violation");
        assertThat(body(answered).path("detail").asText()).isEqualTo("$.value: is missing");
        Exchange dead = deadLettered.get();
        assertThat(dead.getMessage().getBody(String.class)).isEqualTo("{\"x\":1}");
        assertThat(dead.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC)).isEqualTo("devices/d1/telemetry");
        assertThat(dead.getProperty(Exchange.EXCEPTION_CAUGHT)).isInstanceOf(MessageRejectedException.class);
        // nothing of the request is echoed back as a response header
        assertThat(answered.getMessage().getHeaders()).doesNotContainKey("Authorization");
    }

    @Test
    void statusOfEachRejectReason() {
        assertThat(HttpIngest.status(RejectReason.RATE_LIMITED)).isEqualTo(429);
        assertThat(HttpIngest.status(RejectReason.PAYLOAD_TOO_LARGE)).isEqualTo(413);
        assertThat(HttpIngest.status(RejectReason.IDENTITY_MISMATCH)).isEqualTo(403);
        assertThat(HttpIngest.status(RejectReason.UNKNOWN_FAMILY)).isEqualTo(404);
        assertThat(HttpIngest.status(RejectReason.NOT_JSON)).isEqualTo(400);
        assertThat(HttpIngest.status(RejectReason.DEVICE_ID_MISMATCH)).isEqualTo(400);
    }

    @Test
    void unknownFamilyIs404AndNotIngested() throws Exception {
        Exchange answered = post(ingest("direct:kafka-ok"), "nope", "d1", "{}");
        assertThat(status(answered)).isEqualTo(404);
        assertThat(body(answered).path("detail").asText()).contains("[devices, bike]");
    }

    @Test
    void topicIsTheFamilysPatternWithThePathsDeviceAndTheQuerysOtherVariables() {
        assertThat(HttpIngest.topic(
                        family("bike", "bike/{deviceId}/{sensorType}"), "b1", Map.of("sensorType", "power")))
                .isEqualTo("bike/b1/power");
        assertThatThrownBy(() -> HttpIngest.topic(family("bike", "bike/{deviceId}/{sensorType}"), "b1", Map.of()))
                .isInstanceOfSatisfying(MessageRejectedException.class, e -> {
                    assertThat(e.reason()).isEqualTo(RejectReason.INVALID_TOPIC);
                    assertThat(e.getMessage()).contains("?sensorType=");
                });
        assertThat(HttpIngest.topic(family("fms", "fms/data"), "v1", Map.of())).isEqualTo("fms/data");
    }

    @Test
    void payloadForAnotherDeviceThanThePathIsADeviceIdMismatch() {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(GatewayExchange.DEVICE_ID, "v2");
        assertThatThrownBy(() -> HttpIngest.checkDevice(exchange, "v1"))
                .isInstanceOfSatisfying(MessageRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(RejectReason.DEVICE_ID_MISMATCH));
    }

    private HttpIngest ingest(String kafka) throws Exception {
        return ingest(kafka, (exchange, family) -> {
            exchange.setProperty(GatewayExchange.DEVICE_ID, "d1");
            exchange.getMessage().setBody(List.of("record"));
        });
    }

    private HttpIngest ingest(String kafka, IngestStep.Mapping mapping) throws Exception {
        AsyncProducer telemetry = producer(kafka);
        AsyncProducer hooks = producer("direct:hooks");
        Map<String, FamilyCatalog.Family> families = Map.of(
                "devices", family("devices", "devices/{deviceId}/telemetry"),
                "bike", family("bike", "bike/{deviceId}/{sensorType}"));
        return new HttpIngest(
                name -> Optional.ofNullable(families.get(name)),
                () -> List.of("devices", "bike"),
                executor,
                (family, device) -> new IngestStep(mapping, family, () -> telemetry, hooks, IngestLanes.NONE),
                exchange -> {
                    deadLettered.set(exchange);
                    return CompletableFuture.completedFuture(exchange);
                },
                null,
                TIMEOUT,
                JSON);
    }

    private Exchange post(HttpIngest ingest, String family, String device, String body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("family", family);
        exchange.getMessage().setHeader("deviceId", device);
        exchange.getMessage().setHeader("Authorization", "Bearer secret-token");
        exchange.getMessage().setBody(body.getBytes(StandardCharsets.UTF_8));
        ingest.process(exchange);
        return exchange;
    }

    private AsyncProducer producer(String uri) throws Exception {
        AsyncProducer producer = camel.getEndpoint(uri).createAsyncProducer();
        producer.start();
        return producer;
    }

    private static int status(Exchange exchange) {
        return exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
    }

    private static JsonNode body(Exchange exchange) throws Exception {
        return JSON.readTree(exchange.getMessage().getBody(String.class));
    }

    private static FamilyCatalog.Family family(String name, String topic) {
        FamilyProperties properties = new FamilyProperties(
                name,
                topic,
                null,
                "unused",
                null,
                List.of(new FamilyProperties.Reading("t", null, "value", null, null)),
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        TopicPattern pattern = TopicPattern.parse(topic);
        return new FamilyCatalog.Family(properties, pattern, pattern.filter(), null, "test", null, null);
    }
}
