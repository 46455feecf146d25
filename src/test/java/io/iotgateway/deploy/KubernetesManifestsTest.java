package io.iotgateway.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests under {@code k8s/} (Kustomize base and overlays), checked without a cluster: every document
 * parses and is a complete object, every kustomization points at files that exist and patches objects the base
 * defines, and the Deployment agrees with the gateway's configuration and image. {@code k8s/camel-k/} is left to its
 * own checks.
 */
class KubernetesManifestsTest {

    private static final Path K8S = Path.of("k8s");
    private static final Path BASE = K8S.resolve("base");

    @Test
    void everyDocumentIsACompleteKubernetesObject() throws IOException {
        List<Path> files = manifests();
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            for (JsonNode doc : DeploymentFiles.yamlDocuments(file)) {
                assertThat(doc.path("apiVersion").asText())
                        .as(file + " apiVersion")
                        .isNotBlank();
                assertThat(doc.path("kind").asText()).as(file + " kind").isNotBlank();
                if (!"Kustomization".equals(doc.path("kind").asText())) {
                    assertThat(doc.at("/metadata/name").asText())
                            .as(file + " metadata.name")
                            .matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
                }
            }
        }
    }

    @Test
    void kustomizationsReferToFilesThatExistAndPatchWhatTheBaseDefines() {
        Map<String, JsonNode> base = objects(BASE);
        for (Path kustomization : kustomizations()) {
            JsonNode spec = DeploymentFiles.yaml(kustomization);
            Path dir = kustomization.getParent();
            spec.path("resources").forEach(resource -> {
                Path target = dir.resolve(resource.asText()).normalize();
                assertThat(Files.isRegularFile(target) || Files.isRegularFile(target.resolve("kustomization.yaml")))
                        .as(kustomization + " resource " + resource.asText())
                        .isTrue();
            });
            spec.path("patches").forEach(patch -> {
                Path file = dir.resolve(patch.path("path").asText());
                assertThat(file).as(kustomization + " patch").isRegularFile();
                for (JsonNode doc : DeploymentFiles.yamlDocuments(file)) {
                    assertThat(base).as(file + " patches an object of the base").containsKey(key(doc));
                }
            });
            spec.path("images").forEach(image -> assertThat(image.path("name").asText())
                    .isEqualTo(deployment()
                            .at("/spec/template/spec/containers/0/image")
                            .asText()));
        }
        assertThat(kustomizations())
                .extracting(Path::toString)
                .contains("k8s/overlays/dev/kustomization.yaml", "k8s/overlays/prod/kustomization.yaml");
    }

    @Test
    void deploymentMatchesTheGatewayConfiguration() {
        JsonNode pod = deployment().at("/spec/template/spec");
        JsonNode container = pod.at("/containers/0");
        Map<String, String> config = configMap("iot-gateway-config");

        // Every variable set is one the gateway reads.
        List<String> env = new ArrayList<>(config.keySet());
        container.path("env").forEach(variable -> env.add(variable.path("name").asText()));
        for (Path overlay : List.of(K8S.resolve("overlays/dev"), K8S.resolve("overlays/prod"))) {
            objects(overlay).values().stream()
                    .filter(doc -> "ConfigMap".equals(doc.path("kind").asText()))
                    .forEach(doc -> doc.path("data").fieldNames().forEachRemaining(env::add));
        }
        for (String name : env) {
            if (!name.equals("POD_NAME")) {
                assertThat(DeploymentFiles.gatewayUnderstands(name))
                        .as("env " + name + " is read by application.yaml")
                        .isTrue();
            }
        }

        // Ports and probes: the port the app listens on, the health groups it exposes.
        String port = config.get("SERVER_PORT");
        assertThat(port).isEqualTo(DeploymentFiles.applicationDefault("SERVER_PORT"));
        assertThat(container.at("/ports/0/containerPort").asText()).isEqualTo(port);
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/readiness");
        assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
        assertThat(DeploymentFiles.text(DeploymentFiles.APPLICATION_YAML))
                .contains("include: livenessState")
                .contains("include: readinessState,mqtt,kafka,mongodb");
        JsonNode service = objects(BASE).get("Service/iot-gateway");
        assertThat(service.at("/spec/ports/0/targetPort").asText())
                .isEqualTo(container.at("/ports/0/name").asText());

        // One MQTT client id per pod, from its name; replicas share the subscriptions.
        assertThat(env("MQTT_CLIENT_ID", container).path("value").asText()).isEqualTo("$(POD_NAME)");
        assertThat(env("POD_NAME", container)
                        .at("/valueFrom/fieldRef/fieldPath")
                        .asText())
                .isEqualTo("metadata.name");
        assertThat(config.get("MQTT_SHARED_GROUP")).isNotBlank();

        // Credentials come from a Secret, never from the manifests.
        for (String secret : List.of(
                "MONGODB_URI",
                "GATEWAY_ADMIN_PASSWORD",
                "MQTT_PASSWORD",
                "GATEWAY_OPERATOR_PASSWORD",
                "GATEWAY_VIEWER_TOKEN",
                "KAFKA_SASL_PASSWORD")) {
            assertThat(env(secret, container).at("/valueFrom/secretKeyRef/name").asText())
                    .as(secret)
                    .isEqualTo("iot-gateway-credentials");
        }

        // Non-root, as the image's USER, with limits, and time to shut down gracefully.
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(10001);
        assertThat(DeploymentFiles.text(Path.of("Dockerfile"))).contains("USER 10001");
        assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true))
                .isFalse();
        assertThat(container.at("/resources/requests/memory").asText()).isNotBlank();
        assertThat(container.at("/resources/limits/memory").asText()).isNotBlank();
        assertThat(pod.path("terminationGracePeriodSeconds").asInt())
                .isGreaterThan(Integer.parseInt(config.get("GATEWAY_SHUTDOWN_TIMEOUT_SECONDS")));

        // The routes ConfigMap is mounted where the gateway looks for routes: ./routes under the image's WORKDIR.
        JsonNode mount = stream(container.path("volumeMounts"))
                .filter(m -> m.path("name").asText().equals("routes"))
                .findFirst()
                .orElseThrow();
        assertThat(mount.path("mountPath").asText()).isEqualTo("/app/routes");
        assertThat(DeploymentFiles.text(Path.of("Dockerfile"))).contains("WORKDIR /app");
        assertThat(stream(pod.path("volumes"))
                        .filter(v -> v.path("name").asText().equals("routes"))
                        .findFirst()
                        .orElseThrow()
                        .at("/configMap/name")
                        .asText())
                .isEqualTo("iot-gateway-routes");
        assertThat(objects(BASE)).containsKey("ConfigMap/iot-gateway-routes");
    }

    @Test
    void autoscalerAndDisruptionBudgetTargetTheGatewayPods() {
        Map<String, JsonNode> base = objects(BASE);
        JsonNode labels = deployment().at("/spec/template/metadata/labels");
        assertThat(base.get("HorizontalPodAutoscaler/iot-gateway")
                        .at("/spec/scaleTargetRef/name")
                        .asText())
                .isEqualTo(deployment().at("/metadata/name").asText());
        assertThat(base.get("PodDisruptionBudget/iot-gateway").at("/spec/selector/matchLabels"))
                .isEqualTo(labels);
        assertThat(base.get("Service/iot-gateway").at("/spec/selector")).isEqualTo(labels);
        assertThat(deployment().at("/spec/selector/matchLabels")).isEqualTo(labels);
    }

    @Test
    void strimziTopicsCoverTheGatewayTopicsAndKeepDeadLettersLongest() {
        Map<String, JsonNode> base = objects(BASE);
        JsonNode kafka = base.get("Kafka/iot-gateway-kafka");
        assertThat(kafka).isNotNull();
        assertThat(configMap("iot-gateway-config").get("KAFKA_BOOTSTRAP_SERVERS"))
                .isEqualTo(kafka.at("/metadata/name").asText() + "-kafka-bootstrap:"
                        + kafka.at("/spec/kafka/listeners/0/port").asText());
        Map<String, Long> retention = new HashMap<>();
        base.values().stream()
                .filter(doc -> "KafkaTopic".equals(doc.path("kind").asText()))
                .forEach(topic -> {
                    assertThat(topic.at("/metadata/labels/strimzi.io~1cluster").asText())
                            .isEqualTo(kafka.at("/metadata/name").asText());
                    assertThat(topic.at("/spec/partitions").asInt()).isPositive();
                    retention.put(
                            topic.at("/spec/topicName").asText(),
                            topic.at("/spec/config/retention.ms").asLong());
                });
        String telemetry = DeploymentFiles.applicationDefault("KAFKA_TOPIC_TELEMETRY");
        String deadLetters = DeploymentFiles.applicationDefault("KAFKA_TOPIC_DLQ");
        assertThat(retention)
                .containsKeys(
                        telemetry,
                        deadLetters,
                        DeploymentFiles.applicationDefault("KAFKA_TOPIC_ALERTS"),
                        "device.commands",
                        "fms-data-stream",
                        "iot-frames");
        assertThat(retention.get(deadLetters)).isGreaterThan(retention.get(telemetry));
    }

    private static JsonNode deployment() {
        return objects(BASE).get("Deployment/iot-gateway");
    }

    private static Map<String, String> configMap(String name) {
        Map<String, String> data = new HashMap<>();
        objects(BASE)
                .get("ConfigMap/" + name)
                .path("data")
                .fields()
                .forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        return data;
    }

    private static JsonNode env(String name, JsonNode container) {
        return stream(container.path("env"))
                .filter(variable -> variable.path("name").asText().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no env " + name));
    }

    /** Objects of a kustomization directory and the directories it includes, by kind/name. */
    private static Map<String, JsonNode> objects(Path dir) {
        Map<String, JsonNode> objects = new HashMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(KubernetesManifestsTest::isYaml).forEach(file -> {
                for (JsonNode doc : DeploymentFiles.yamlDocuments(file)) {
                    if (!"Kustomization".equals(doc.path("kind").asText())) {
                        objects.put(key(doc), doc);
                    }
                }
            });
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return objects;
    }

    private static String key(JsonNode doc) {
        return doc.path("kind").asText() + "/" + doc.at("/metadata/name").asText();
    }

    private static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(KubernetesManifestsTest::isYaml)
                    .filter(file -> !file.startsWith(K8S.resolve("camel-k")))
                    .sorted()
                    .toList();
        }
    }

    private static List<Path> kustomizations() {
        try {
            return manifests().stream()
                    .filter(file -> file.getFileName().toString().equals("kustomization.yaml"))
                    .toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static boolean isYaml(Path file) {
        return Files.isRegularFile(file) && file.toString().endsWith(".yaml");
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items.stream();
    }
}
