package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.RouteSources;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.camel.Route;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.client.TestRestTemplate;

/**
 * Hot reload of YAML route files while the gateway runs: add, edit, invalid edit, delete, duplicate ids, and a reload
 * under load that loses and duplicates nothing. Each test writes its own file ({@code reload-<id>.camel.yaml}) with a
 * hook route that forwards one test device's messages to a topic of its own, so tests never disturb each other.
 */
class RouteReloadIT extends GatewayIntegrationTest {

    @Autowired
    TestRestTemplate rest;

    @Autowired
    MeterRegistry meters;

    private Path file;

    @AfterEach
    void removeFile() {
        if (file != null) {
            RouteSources.delete(file);
            await().atMost(Duration.ofSeconds(15)).until(() -> fileStatus(file)
                    .map(f -> "deleted".equals(f.path("status").asText()))
                    .orElse(true));
        }
    }

    @Test
    void addedFileStartsItsRoutesAndEditTouchesOnlyThem() {
        String id = uniqueId("add");
        file = SOURCES.routes().resolve("reload-" + id + ".camel.yaml");
        Route fanOutBefore = camel.getRoute("routing-fan-out-bike");

        write(file, forwardRoute(id, "v1"));
        device.publish("bike/" + id + "/power", power(1));
        assertThat(body(KAFKA.awaitKey("reload." + id, id, 1).get(0))).isEqualTo("v1:" + power(1));

        write(file, forwardRoute(id, "v2"));
        device.publish("bike/" + id + "/power", power(2));
        List<ConsumerRecord<String, byte[]>> records = KAFKA.awaitKey("reload." + id, id, 2);
        assertThat(records).extracting(RouteReloadIT::body).containsExactly("v1:" + power(1), "v2:" + power(2));

        // the file's route is the new version; a route of another file was not even restarted
        JsonNode route = route("routing-forward-test-" + id);
        assertThat(route.path("source").asText()).endsWith(file.getFileName().toString());
        assertThat(route.path("version").asText()).isEqualTo(hash(forwardRoute(id, "v2")));
        assertThat(route.path("status").asText()).isEqualTo("Started");
        assertThat(route.path("lastReload").path("result").asText()).isEqualTo("success");
        assertThat(camel.getRoute("routing-fan-out-bike")).isSameAs(fanOutBefore);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "'- route: [unclosed'                                    | 2  | expected ',' or ']'",
                "'- route:\n    id: x\n    from:\n      uri: direct:a\n      stepz: []' | 5 | stepz",
                "__ROUTE__ kafak:reload.broken                           | 12 | unknown component 'kafak'",
                "__ROUTE__ kafka:reload.broken?noSuchOption=1            | 12 | noSuchOption",
                "__ROUTE__ kafka:{{gateway.no-such-property}}            | 12 | gateway.no-such-property",
                "__ROUTE__ kamelet:no-such-kamelet                       | 12 | unknown Kamelet 'no-such-kamelet'",
                "__ID__ routing-kafka-test                               | 2  | capability one of [ingest, routing",
                "__ID__ forward-test                                     | 2  | does not read <capability>-<verb>-<object>",
            })
    void invalidEditKeepsTheRunningVersionAndSaysWhy(String broken, int line, String reason) {
        String id = uniqueId("bad");
        file = SOURCES.routes().resolve("reload-" + id + ".camel.yaml");
        write(file, forwardRoute(id, "v1"));
        double failedBefore = failedReloads();

        String content = broken.startsWith("__ROUTE__ ")
                ? forwardRoute(id, "v2").replace("kafka:reload." + id, broken.substring("__ROUTE__ ".length()))
                : broken.startsWith("__ID__ ")
                        ? forwardRoute(id, "v2")
                                .replace("routing-forward-test-" + id, broken.substring("__ID__ ".length()) + "-" + id)
                        : broken;
        RouteSources.write(file, content);
        JsonNode status = await().atMost(Duration.ofSeconds(15))
                .until(() -> fileStatus(file).orElseThrow(), f -> "failed"
                        .equals(f.path("lastReload").path("result").asText()));

        assertThat(status.path("status").asText()).isEqualTo("active");
        assertThat(status.path("version").asText()).isEqualTo(hash(forwardRoute(id, "v1")));
        assertThat(status.path("lastReload").path("line").asInt()).isEqualTo(line);
        assertThat(status.path("lastReload").path("error").asText()).contains(reason);
        assertThat(route("routing-forward-test-" + id)
                        .path("lastReload")
                        .path("result")
                        .asText())
                .isEqualTo("failed");
        assertThat(failedReloads()).isGreaterThan(failedBefore);

        // the previous version still runs
        device.publish("bike/" + id + "/power", power(3));
        assertThat(body(KAFKA.awaitKey("reload." + id, id, 1).get(0))).isEqualTo("v1:" + power(3));
    }

    @Test
    void duplicateRouteIdAcrossFilesIsRejected() {
        String id = uniqueId("dup");
        file = SOURCES.routes().resolve("reload-" + id + ".camel.yaml");
        Route original = camel.getRoute("routing-fan-out-bike");

        write(file, forwardRoute(id, "v1").replace("routing-forward-test-" + id, "routing-fan-out-bike"), false);

        JsonNode status = await().atMost(Duration.ofSeconds(15))
                .until(() -> fileStatus(file), f -> f.isPresent())
                .orElseThrow();
        assertThat(status.path("status").asText()).isEqualTo("failed");
        assertThat(status.path("lastReload").path("error").asText())
                .contains("route id 'routing-fan-out-bike' is already used by seed-fan-out.camel.yaml");
        assertThat(camel.getRoute("routing-fan-out-bike")).isSameAs(original);
    }

    @Test
    void deletedFileRemovesOnlyItsRoutes() {
        String id = uniqueId("del");
        file = SOURCES.routes().resolve("reload-" + id + ".camel.yaml");
        write(file, forwardRoute(id, "v1"));
        device.publish("bike/" + id + "/power", power(1));
        KAFKA.awaitKey("reload." + id, id, 1);

        RouteSources.delete(file);
        // "deleted" is reported once the removal finished, so the route must be gone by then
        await().atMost(Duration.ofSeconds(15))
                .until(() -> fileStatus(file).orElseThrow().path("status").asText(), "deleted"::equals);
        assertThat(camel.getRoute("routing-forward-test-" + id)).isNull();

        device.publish("bike/" + id + "/power", power(2));
        // Hooks run in file-name order and reload-* sorts before seed-fan-out: once the seed fan-out has the second
        // message, a hook of the deleted file would have run already.
        KAFKA.awaitKey("bike." + id + ".power", id, 2);
        assertThat(KAFKA.read("reload." + id, r -> id.equals(r.key()))).hasSize(1);
        file = null;
    }

    @Test
    void reloadUnderLoadLosesAndDuplicatesNothing() throws Exception {
        String id = uniqueId("load");
        // sorts after seed-fan-out.camel.yaml: its hook runs after the bike fan-out, so a retry caught mid-reload
        // would duplicate the fan-out record if retries repeated hooks that already wrote
        file = SOURCES.routes().resolve("zz-reload-" + id + ".camel.yaml");
        write(file, forwardRoute(id, "v0"));

        // the device publishes (about 1,000 msg/s) for as long as the hook route is being reloaded three times
        AtomicBoolean reloading = new AtomicBoolean(true);
        AtomicInteger published = new AtomicInteger();
        Thread publisher = new Thread(() -> {
            while (reloading.get() || published.get() < 100) {
                device.publish("bike/" + id + "/power", power(published.get()));
                published.incrementAndGet();
                LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
            }
        });
        publisher.start();
        for (int version = 1; version <= 3; version++) {
            write(file, forwardRoute(id, "v" + version));
        }
        int afterLastReload = published.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> published.get() >= afterLastReload + 100);
        reloading.set(false);
        publisher.join(Duration.ofSeconds(60).toMillis());
        assertThat(publisher.isAlive()).isFalse();
        int messages = published.get();

        // every message the broker accepted is in Kafka exactly once: canonical topic and the reloaded hook's topic
        List<ConsumerRecord<String, byte[]>> canonical = KAFKA.awaitKey("device.telemetry", id, messages);
        List<ConsumerRecord<String, byte[]>> hooked = KAFKA.awaitKey("reload." + id, id, messages);
        List<ConsumerRecord<String, byte[]>> fannedOut = KAFKA.awaitKey("bike." + id + ".power", id, messages);
        assertThat(canonical).hasSize(messages);
        assertThat(hooked).hasSize(messages);
        assertThat(fannedOut).hasSize(messages);
        Set<String> payloads = hooked.stream()
                .map(r -> body(r).substring(body(r).indexOf(':') + 1))
                .collect(Collectors.toSet());
        assertThat(payloads).hasSize(messages);
        assertThat(hooked.stream().map(r -> body(r).substring(0, 2)).collect(Collectors.toSet()))
                .as("messages went through every version of the route")
                .containsExactlyInAnyOrder("v0", "v1", "v2", "v3");
    }

    /** A hook route forwarding device {@code id}'s payload, prefixed with the version, to topic reload.<id>. */
    static String forwardRoute(String id, String version) {
        return """
                - route:
                    id: routing-forward-test-%1$s
                    routeConfigurationId: gateway-error-policy
                    from:
                      uri: direct:on-message-test-%1$s
                      steps:
                        - filter:
                            simple: "${exchangeProperty.deviceId} == '%1$s'"
                            steps:
                              - setBody:
                                  simple: "%2$s:${bodyAs(String)}"
                              - to: kafka:reload.%1$s
                """
                .formatted(id, version);
    }

    private void write(Path target, String content) {
        write(target, content, true);
    }

    /** Writes the file and, when {@code expectSuccess}, waits until that exact content runs. */
    private void write(Path target, String content, boolean expectSuccess) {
        RouteSources.write(target, content);
        if (expectSuccess) {
            await().atMost(Duration.ofSeconds(15)).until(() -> fileStatus(target)
                    .map(f -> hash(content).equals(f.path("version").asText()))
                    .orElse(false));
        }
    }

    private java.util.Optional<JsonNode> fileStatus(Path target) {
        JsonNode files = rest.withBasicAuth(Http.VIEWER_USER, Http.VIEWER_PASSWORD)
                .getForObject("/api/routes", JsonNode.class)
                .path("files");
        for (JsonNode f : files) {
            if (f.path("file").asText().endsWith("/" + target.getFileName())) {
                return java.util.Optional.of(f);
            }
        }
        return java.util.Optional.empty();
    }

    private JsonNode route(String routeId) {
        for (JsonNode r : rest.withBasicAuth(Http.VIEWER_USER, Http.VIEWER_PASSWORD)
                .getForObject("/api/routes", JsonNode.class)
                .path("routes")) {
            if (routeId.equals(r.path("id").asText())) {
                return r;
            }
        }
        throw new AssertionError("no route " + routeId + " at /api/routes");
    }

    private double failedReloads() {
        var counter =
                meters.find("gateway.route.reloads").tag("result", "failed").counter();
        return counter == null ? 0 : counter.count();
    }

    static String hash(String content) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)))
                    .substring(0, 12);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String power(int i) {
        return "{\"value\":" + (100 + i) + ",\"unitName\":\"W\",\"timestamp\":" + (1757841776 + i) + "}";
    }

    static String body(ConsumerRecord<String, byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unused")
    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        return KafkaProbe.header(record, name);
    }
}
