package io.iotgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.iotgateway.support.InstalledTool;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docker-compose.yml, the Dockerfile and the files they mount, checked without a Docker engine: against the Compose
 * JSON Schema, by Debian's docker-compose {@code config} where installed ({@code .ci/run} installs it), and for
 * consistency with the gateway's own configuration.
 */
public class ComposeFileTest {

    static final Path COMPOSE = Path.of("docker-compose.yml");
    /** The Compose schema as shipped by Debian's docker-compose package (Apache-2.0), read where it is installed. */
    static final Path COMPOSE_SCHEMA = Path.of(System.getProperty(
            "iotgateway.test.compose-schema", "/usr/lib/python3/dist-packages/compose/config/compose_spec.json"));

    private final JsonNode compose = DeploymentFiles.yaml(COMPOSE);
    private final JsonNode services = compose.path("services");
    private final JsonNode gateway = services.path("gateway");

    @Test
    void matchesTheComposeSpecSchema() throws IOException {
        InstalledTool.require(
                Files.isReadable(COMPOSE_SCHEMA),
                () -> "the Compose schema " + COMPOSE_SCHEMA + " is missing (apt-get install docker-compose)");
        ObjectNode spec = (ObjectNode) new ObjectMapper().readTree(COMPOSE_SCHEMA.toFile());
        // It labels its definitions with draft-04 style "id"s, which the 2019-09 validator rejects; they are names
        // only.
        removeIdLabels(spec);
        JsonSchema schema =
                JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V201909).getSchema(spec);
        Set<ValidationMessage> errors = schema.validate(compose);
        assertThat(errors).as("docker-compose.yml against %s", COMPOSE_SCHEMA).isEmpty();
        // and the check can fail: a misspelt key and a wrong type are caught
        JsonNode broken = new ObjectMapper()
                .readTree("{\"services\":{\"x\":{\"image\":\"a:1\",\"helthcheck\":{}," + "\"ports\":\"8080\"}}}");
        assertThat(schema.validate(broken)).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void dockerComposeConfigAcceptsIt() throws Exception {
        Path binary = Path.of("/usr/bin/docker-compose");
        InstalledTool.require(
                Files.isExecutable(binary), () -> binary + " is missing (apt-get install docker-compose)");
        Process process = new ProcessBuilder(binary.toString(), "-f", COMPOSE.toString(), "config", "-q")
                .redirectErrorStream(true)
                .start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.exitValue()).as(output).isZero();
    }

    @Test
    void everyImageIsPinnedAndEveryLongRunningServiceHasAHealthCheck() {
        services.fields().forEachRemaining(service -> {
            String name = service.getKey();
            JsonNode spec = service.getValue();
            assertThat(spec.has("image")).as(name + " names its image").isTrue();
            assertThat(DeploymentFiles.pinned(spec.path("image").asText()))
                    .as(name + " image " + spec.path("image").asText() + " is pinned")
                    .isTrue();
            if (!"no".equals(spec.path("restart").asText())) {
                assertThat(spec.has("healthcheck"))
                        .as(name + " has a health check")
                        .isTrue();
            }
        });
        assertThat(gateway.path("image").asText()).endsWith(":" + projectVersion());
    }

    @Test
    void namedVolumesAreDeclaredAndMountedFilesExist() {
        Set<String> declared = new HashSet<>();
        compose.path("volumes").fieldNames().forEachRemaining(declared::add);
        Set<String> used = new HashSet<>();
        services.forEach(spec -> spec.path("volumes").forEach(volume -> {
            String source = volume.asText().split(":")[0];
            if (source.startsWith("./")) {
                assertThat(Path.of(source)).as("mounted " + source).exists();
            } else {
                used.add(source);
            }
        }));
        assertThat(used).isEqualTo(declared);
        compose.path("secrets")
                .forEach(secret ->
                        assertThat(Path.of(secret.path("file").asText())).exists());
    }

    @Test
    void gatewayEnvironmentIsWhatTheApplicationReads() {
        Map<String, String> env = environment(gateway);
        for (String name : env.keySet()) {
            assertThat(DeploymentFiles.gatewayUnderstands(name))
                    .as("gateway env " + name + " is read by application.yaml (or Spring Boot)")
                    .isTrue();
        }
        gateway.path("secrets").forEach(secret -> assertThat(
                        DeploymentFiles.gatewayUnderstands(secret.path("target").asText()))
                .as("secret target " + secret.path("target").asText())
                .isTrue());
        assertThat(env.get("SPRING_CONFIG_IMPORT")).isEqualTo("optional:configtree:/run/secrets/");

        // Ports: the one the app listens on is the one published and probed.
        String port = env.getOrDefault("SERVER_PORT", DeploymentFiles.applicationDefault("SERVER_PORT"));
        assertThat(gateway.path("ports").get(0).asText()).endsWith(":" + port);
        assertThat(gateway.at("/healthcheck/test").toString())
                .contains("http://localhost:" + port + "/actuator/health/readiness");

        // Broker addresses point at the services of this file, on the ports they listen on.
        assertThat(env.get("MQTT_BROKER_URL")).isEqualTo("tcp://mosquitto:" + mosquittoPort());
        assertThat(services.has("mosquitto")).isTrue();
        String internalKafka = environment(services.path("kafka")).get("KAFKA_ADVERTISED_LISTENERS");
        assertThat(internalKafka).contains("INTERNAL://" + env.get("KAFKA_BOOTSTRAP_SERVERS"));
        // The MongoDB URI (credentials included, when MongoDB has users) is a secret file, not in the environment.
        assertThat(env).doesNotContainKey("MONGODB_URI");
        JsonNode mongoSecret = java.util.stream.StreamSupport.stream(
                        gateway.path("secrets").spliterator(), false)
                .filter(secret -> secret.path("target").asText().equals("MONGODB_URI"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no MONGODB_URI secret for the gateway"));
        Path uriFile =
                Path.of(compose.at("/secrets/" + mongoSecret.path("source").asText() + "/file")
                        .asText());
        assertThat(DeploymentFiles.text(uriFile).trim()).startsWith("mongodb://mongodb:27017/");
        assertThat(services.path("mongodb").path("ports").get(0).asText()).endsWith(":27017");
    }

    @Test
    void kafkaTopicsAreCreatedWithALongerDeadLetterRetention() {
        String script = services.path("kafka-init").path("command").get(0).asText();
        Map<String, Long> retention = new HashMap<>();
        Matcher create = Pattern.compile("(?m)^create (\\S+) (\\d+) (\\d+)$").matcher(script);
        while (create.find()) {
            retention.put(create.group(1), Long.parseLong(create.group(3)));
        }
        for (String variable : List.of("KAFKA_TOPIC_TELEMETRY", "KAFKA_TOPIC_ALERTS", "KAFKA_TOPIC_DLQ")) {
            assertThat(retention).containsKey(DeploymentFiles.applicationDefault(variable));
        }
        assertThat(retention).containsKeys("fms-data-stream", "iot-frames");
        assertThat(retention.get(DeploymentFiles.applicationDefault("KAFKA_TOPIC_DLQ")))
                .isGreaterThan(retention.get(DeploymentFiles.applicationDefault("KAFKA_TOPIC_TELEMETRY")));
    }

    @Test
    void prometheusScrapesTheGatewayAsTheManagementUser() {
        JsonNode job = DeploymentFiles.yaml(Path.of("docker", "prometheus", "prometheus.yml"))
                .path("scrape_configs")
                .get(0);
        String port = environment(gateway).get("SERVER_PORT");
        assertThat(job.path("metrics_path").asText()).isEqualTo("/actuator/prometheus");
        assertThat(job.at("/static_configs/0/targets/0").asText()).isEqualTo("gateway:" + port);
        assertThat(job.at("/basic_auth/username").asText())
                .isEqualTo(environment(gateway).get("GATEWAY_ADMIN_USER"));
        String secret = gateway.at("/secrets/0/source").asText();
        assertThat(job.at("/basic_auth/password_file").asText()).isEqualTo("/run/secrets/" + secret);
        assertThat(services.path("prometheus").path("secrets").toString()).contains(secret);
        assertThat(DeploymentFiles.text(Path.of("docker", "prometheus", "prometheus.yml")))
                .doesNotContain("password:");
    }

    @Test
    void grafanaHasTheDataSourceAndADashboardOfGatewayMetrics() throws IOException {
        JsonNode datasource = DeploymentFiles.yaml(
                        Path.of("docker", "grafana", "provisioning", "datasources", "prometheus.yml"))
                .at("/datasources/0");
        assertThat(URI.create(datasource.path("url").asText()).getHost()).isEqualTo("prometheus");
        assertThat(services.path("prometheus").path("ports").get(0).asText())
                .endsWith(":" + URI.create(datasource.path("url").asText()).getPort());
        String provider = DeploymentFiles.yaml(
                        Path.of("docker", "grafana", "provisioning", "dashboards", "iot-gateway.yml"))
                .at("/providers/0/options/path")
                .asText();
        assertThat(services.path("grafana").path("volumes").toString())
                .contains("./docker/grafana/dashboards:" + provider);

        List<String> metrics = dashboardMetrics();
        assertThat(metrics)
                .contains(
                        "gateway_ingest_messages_total",
                        "gateway_dead_letters_total",
                        "gateway_kafka_send_seconds_bucket",
                        "gateway_kafka_consumer_lag_records",
                        "gateway_commands_total")
                .allMatch(name -> name.startsWith("gateway_") || name.startsWith("camel_"));
    }

    @Test
    void dockerfileBuildsANonRootImageFromPinnedBases() {
        List<String> lines = DeploymentFiles.text(Path.of("Dockerfile")).lines().toList();
        List<String> bases = lines.stream()
                .filter(line -> line.startsWith("FROM "))
                .map(line -> line.split("\\s+")[1])
                .toList();
        assertThat(bases).hasSizeGreaterThanOrEqualTo(2).allMatch(DeploymentFiles::pinned);
        int lastFrom = lines.lastIndexOf(lines.stream()
                .filter(line -> line.startsWith("FROM "))
                .reduce((first, second) -> second)
                .orElseThrow());
        List<String> runtime = lines.subList(lastFrom, lines.size());
        String user = runtime.stream()
                .filter(line -> line.startsWith("USER "))
                .reduce((first, second) -> second)
                .orElseThrow(() -> new AssertionError("the runtime stage sets no USER"))
                .substring(5)
                .split(":")[0]
                .trim();
        assertThat(user).isNotIn("root", "0");
        assertThat(runtime).contains("EXPOSE " + DeploymentFiles.applicationDefault("SERVER_PORT"));
        assertThat(String.join("\n", runtime)).contains("MaxRAMPercentage").contains("ENTRYPOINT");
    }

    private static void removeIdLabels(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.path("id").isTextual()) {
                object.remove("id");
            }
            object.forEach(ComposeFileTest::removeIdLabels);
        } else if (node.isArray()) {
            node.forEach(ComposeFileTest::removeIdLabels);
        }
    }

    /** Metric names the Grafana dashboard queries (without PromQL functions and labels). */
    public static List<String> dashboardMetrics() throws IOException {
        JsonNode dashboard = new ObjectMapper()
                .readTree(Path.of("docker", "grafana", "dashboards", "iot-gateway.json")
                        .toFile());
        List<String> names = new ArrayList<>();
        Matcher metric = Pattern.compile("\\b((?:gateway|camel)_[a-z_]+)").matcher("");
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> {
            metric.reset(target.path("expr").asText());
            while (metric.find()) {
                if (!names.contains(metric.group(1))) {
                    names.add(metric.group(1));
                }
            }
        }));
        return names;
    }

    private String mosquittoPort() {
        Matcher listener = Pattern.compile("(?m)^listener (\\d+)")
                .matcher(DeploymentFiles.text(Path.of("docker", "mosquitto", "mosquitto.conf")));
        assertThat(listener.find()).isTrue();
        return listener.group(1);
    }

    static Map<String, String> environment(JsonNode service) {
        Map<String, String> env = new HashMap<>();
        service.path("environment")
                .fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        return env;
    }

    private static String projectVersion() {
        Matcher version = Pattern.compile("<artifactId>iot-gateway</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(DeploymentFiles.text(Path.of("pom.xml")));
        assertThat(version.find()).isTrue();
        return version.group(1);
    }
}
