package io.iotgateway.operations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.deploy.ComposeFileTest;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Metrics, health and who may see them, on the running gateway with real brokers. */
class OperationsIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Registered only once their capability has seen traffic (commands, live clients, reloads, closed windows). */
    private static final List<String> METRICS_OF_OTHER_CAPABILITIES = List.of(
            "gateway_commands_total",
            "gateway_live_clients",
            "gateway_route_reloads_total",
            "gateway_aggregate_place_avg",
            "gateway_aggregate_place_min",
            "gateway_aggregate_place_max",
            "gateway_aggregate_place_samples",
            "gateway_aggregate_sensor_avg",
            "gateway_aggregate_sensor_samples");

    static final Path SCRAPE = Path.of("target", "prometheus-scrape.txt");

    @LocalServerPort
    int port;

    private Http http;
    private Http anonymous;

    @BeforeEach
    void client() {
        http = new Http(port);
        anonymous = Http.anonymous(port);
    }

    @Test
    void prometheusShowsTheGatewayAndRouteMetricsAfterTraffic() throws Exception {
        String accepted = uniqueId("ops-metrics");
        String rejected = uniqueId("ops-reject");
        device.publish("devices/" + accepted + "/telemetry", "{\"sensorType\":\"temperature\",\"value\":40.5}");
        device.publish("devices/" + rejected + "/telemetry", "not json");
        device.publish("bike/" + accepted + "/heartrate", "{\"value\":120,\"unitName\":\"BPM\",\"timestamp\":1}");
        KAFKA.awaitKey("device.telemetry", accepted, 2);
        KAFKA.awaitKey("device.telemetry.dlq", rejected, 1);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> sensorData().countDocuments(new org.bson.Document("deviceId", accepted)) == 2);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String scrape = scrape();
            metric(scrape, "gateway_ingest_messages_total", "family=\"devices\"")
                    .isGreaterThanOrEqualTo(2);
            metric(scrape, "gateway_kafka_records_sent_total", "topic=\"device.telemetry\"")
                    .isGreaterThanOrEqualTo(2);
            metric(scrape, "gateway_kafka_records_sent_total", "topic=\"device.alerts\"")
                    .isGreaterThanOrEqualTo(1);
            // a fan-out topic per bike and sensor is counted under its template, not one series per device
            metric(scrape, "gateway_kafka_records_sent_total", "topic=\"bike.{deviceId}.{sensorType}\"")
                    .isGreaterThanOrEqualTo(1);
            assertThat(scrape).doesNotContain("topic=\"bike." + accepted);
            metric(scrape, "gateway_kafka_records_sent_total", "topic=\"device.telemetry.dlq\"")
                    .isGreaterThanOrEqualTo(1);
            metric(scrape, "gateway_dead_letters_total", "reason=\"not-json\"").isGreaterThanOrEqualTo(1);
            metric(scrape, "gateway_alerts_total", "rule=\"temperature-high\"").isGreaterThanOrEqualTo(1);
            metric(scrape, "gateway_kafka_send_seconds_count", "outcome=\"success\",route=\"ingest-receive-devices\"")
                    .isGreaterThanOrEqualTo(2);
            assertThat(scrape).contains("gateway_kafka_send_seconds_bucket{");
            metric(scrape, "gateway_mongodb_write_seconds_count", "outcome=\"success\"")
                    .isGreaterThanOrEqualTo(1);
            metric(scrape, "gateway_mongodb_batch_size_count", "").isGreaterThanOrEqualTo(1);
            metric(scrape, "gateway_mqtt_connected", "route=\"ingest-receive-devices\"")
                    .isEqualTo(1);
            metric(scrape, "gateway_mqtt_inflight_messages", "route=\"ingest-receive-devices\"")
                    .isGreaterThanOrEqualTo(0);
            metric(
                            scrape,
                            "gateway_kafka_consumer_lag_records",
                            "group=\"iot-gateway-persistence\",topic=\"device.telemetry\"")
                    .isGreaterThanOrEqualTo(0);
            // Camel's own route metrics (camel-micrometer)
            metric(scrape, "camel_exchanges_total", "routeId=\"ingest-receive-devices\"")
                    .isGreaterThanOrEqualTo(2);
            // every metric the Grafana dashboard (docker-compose) queries is one this gateway registers
            List<String> registered = scrape.lines()
                    .filter(line -> !line.startsWith("#"))
                    .map(line -> line.split("[{ ]")[0])
                    .toList();
            assertThat(ComposeFileTest.dashboardMetrics())
                    .allMatch(
                            name -> registered.contains(name) || METRICS_OF_OTHER_CAPABILITIES.contains(name),
                            "registered by the gateway");
            // no per-device series unless opted in
            assertThat(scrape).doesNotContain("gateway_device_messages_total").doesNotContain(accepted);
        });
    }

    @Test
    void healthGroupsAreOpenForProbesAndDetailsOnlyForTheManagementUser() throws Exception {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> readiness = anonymous.get("/actuator/health/readiness");
            assertThat(readiness.statusCode()).as(readiness.body()).isEqualTo(200);
        });
        assertThat(anonymous.get("/actuator/health/liveness").statusCode()).isEqualTo(200);

        JsonNode health = JSON.readTree(anonymous.get("/actuator/health").body());
        assertThat(health.path("status").asText()).isEqualTo("UP");
        for (String component : new String[] {"mqtt", "kafka", "mongodb"}) {
            assertThat(health.path("components").path(component).path("status").asText())
                    .as(component)
                    .isEqualTo("UP");
            assertThat(health.path("components").path(component).has("details")).isFalse();
        }

        JsonNode admin = JSON.readTree(http.getAsAdmin("/actuator/health").body());
        assertThat(admin.at("/components/mqtt/details/subscriptions/ingest-receive-devices")
                        .asText())
                .isEqualTo("connected");
        assertThat(admin.at("/components/kafka/details/brokers").asInt()).isEqualTo(1);
        assertThat(admin.at("/components/mongodb/details/servers/0").asText()).contains("standalone");

        HttpResponse<String> plain = anonymous.get("/health");
        assertThat(plain.statusCode()).isEqualTo(200);
        JsonNode summary = JSON.readTree(plain.body());
        assertThat(summary.path("status").asText()).isEqualTo("UP");
        assertThat(summary.at("/components/kafka/status").asText()).isEqualTo("UP");
        assertThat(plain.body()).doesNotContain("details").doesNotContain("127.0.0.1");
    }

    @Test
    void managementEndpointsNeedTheManagementUser() {
        for (String path : new String[] {
            "/actuator/prometheus", "/actuator/metrics", "/actuator/hawtio/", "/actuator/jolokia/version"
        }) {
            assertThat(anonymous.get(path).statusCode()).as(path).isEqualTo(401);
            // an operator may send commands, not run the gateway
            assertThat(http.get(path).statusCode()).as(path).isEqualTo(403);
        }
        assertThat(http.getAsAdmin("/actuator/prometheus").statusCode()).isEqualTo(200);
        assertThat(http.getAsAdmin("/actuator/jolokia/version").body()).contains("\"agent\"");
        assertThat(http.getAsAdmin("/actuator/hawtio/").statusCode()).isEqualTo(200);
        assertThat(anonymous.get("/actuator/info").statusCode()).isEqualTo(200);

        // A state-changing management call must come from the gateway's own pages: a browser sends basic
        // credentials by itself, also when another site makes it post.
        String version = "{\"type\":\"version\"}";
        assertThat(http.post("/actuator/jolokia", version, true).statusCode()).isEqualTo(403);
        assertThat(http.post("/actuator/jolokia", version, true, "Sec-Fetch-Site", "cross-site")
                        .statusCode())
                .isEqualTo(403);
        assertThat(http.post("/actuator/jolokia", version, true, "Sec-Fetch-Site", "same-origin")
                        .body())
                .contains("\"agent\"");
    }

    @Test
    void routesCanBeDumpedAsXmlForHawtiosRouteDiagrams() throws Exception {
        // What Hawtio's route diagram reads over Jolokia (camel-management with the XML dump support).
        String dump = "{\"type\":\"exec\",\"mbean\":\"org.apache.camel:context=iot-gateway,type=context,"
                + "name=\\\"iot-gateway\\\"\",\"operation\":\"dumpRoutesAsXml()\"}";
        HttpResponse<String> response = http.post("/actuator/jolokia", dump, true, "Sec-Fetch-Site", "same-origin");
        JsonNode answer = JSON.readTree(response.body());
        assertThat(answer.path("status").asInt()).as(response.body()).isEqualTo(200);
        assertThat(answer.path("value").asText())
                .contains("id=\"ingest-receive-devices\"")
                .contains("id=\"persistence-store-telemetry\"")
                .contains("id=\"errors-publish-dead-letter\"");
    }

    @Test
    void hawtioReadsRouteStatisticsAndNotEveryProcessorsTimer() throws Exception {
        // camel.main.jmx-management-statistics-level: RoutesOnly (per-processor timers cost CPU on every message)
        String route = "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=iot-gateway,type=routes,"
                + "name=\\\"ingest-receive-devices\\\"\",\"attribute\":\"ExchangesTotal\"}";
        JsonNode answer = JSON.readTree(http.post("/actuator/jolokia", route, true, "Sec-Fetch-Site", "same-origin")
                .body());
        assertThat(answer.path("status").asInt()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.path("value").isNumber()).as(answer.toString()).isTrue();
        String level = "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=iot-gateway,type=context,"
                + "name=\\\"iot-gateway\\\"\",\"attribute\":\"ManagementStatisticsLevel\"}";
        answer = JSON.readTree(http.post("/actuator/jolokia", level, true, "Sec-Fetch-Site", "same-origin")
                .body());
        assertThat(answer.path("value").asText()).as(answer.toString()).isEqualTo("RoutesOnly");
        // camel.main.jmx-management-mbeans-level: RoutesOnly, so no MBean per step (they would show no figures)
        String processors =
                "{\"type\":\"search\",\"mbean\":\"org.apache.camel:context=iot-gateway,type=processors,*\"}";
        answer = JSON.readTree(http.post("/actuator/jolokia", processors, true, "Sec-Fetch-Site", "same-origin")
                .body());
        assertThat(answer.path("status").asInt()).as(answer.toString()).isEqualTo(200);
        assertThat(answer.path("value").isArray()).as(answer.toString()).isTrue();
        assertThat(answer.path("value")).as(answer.toString()).isEmpty();
        String routes = "{\"type\":\"search\",\"mbean\":\"org.apache.camel:context=iot-gateway,type=routes,*\"}";
        answer = JSON.readTree(http.post("/actuator/jolokia", routes, true, "Sec-Fetch-Site", "same-origin")
                .body());
        assertThat(answer.path("value")).as(answer.toString()).isNotEmpty();
    }

    @Test
    void apiClientsWithCredentialsNeedNoCsrfToken() {
        // Nothing is mapped there: the point is that security neither asks for more nor rejects a stateless POST for
        // want of a CSRF token. (Who may call what: security/ApiSecurityIT.)
        assertThat(http.get("/api/status").statusCode()).isNotIn(401, 403);
        assertThat(http.post("/api/devices/x/commands", "{}", false).statusCode())
                .isNotIn(401, 403);
        assertThat(http.get("/").statusCode()).isEqualTo(200);
    }

    private String scrape() {
        HttpResponse<String> response = http.getAsAdmin("/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        try {
            // kept for reading after a failure, and for the Grafana dashboard check (DeploymentFilesTest)
            Files.createDirectories(SCRAPE.getParent());
            Files.writeString(SCRAPE, response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return response.body();
    }

    private static org.assertj.core.api.AbstractDoubleAssert<?> metric(String scrape, String name, String labels) {
        return assertThat(value(scrape, name, labels)).as(name + "{" + labels + "}");
    }

    /** The value of the first series of {@code name} whose labels contain {@code labels}, or -1 if absent. */
    static double value(String scrape, String name, String labels) {
        Matcher series = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{.*})? (\\S+)$")
                .matcher(scrape);
        while (series.find()) {
            String found = series.group(1) == null ? "" : series.group(1);
            if (found.contains(labels)) {
                return Double.parseDouble(series.group(2));
            }
        }
        return -1;
    }
}
