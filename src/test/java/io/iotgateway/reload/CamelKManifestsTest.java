package io.iotgateway.reload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MqttDevice;
import io.iotgateway.support.SharedBrokers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.component.kamelet.KameletComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.PropertyBindingSupport;
import org.apache.camel.support.ResourceHelper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * What Camel K would run: every manifest in {@code k8s/camel-k/} parses, is a camel.apache.org/v1 Pipe or Integration
 * and references Kamelets and route files that exist (with the Kamelets' required properties set); every Kamelet is
 * shaped like apache/camel-kamelets; and the Integration's YAML routes load and start in a plain Camel context, with no
 * Spring and none of the gateway's beans, and carry a device message from MQTT to the seed fan-out topic.
 */
class CamelKManifestsTest {

    private static final Path CAMEL_K = Path.of("k8s", "camel-k");
    private static final Path ROUTES = Path.of("routes");
    private static final Path KAMELETS = Path.of("kamelets");
    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void everyManifestReferencesKameletsAndRoutesThatExist() throws Exception {
        List<String> kinds = new ArrayList<>();
        for (Path manifest : files(CAMEL_K, ".yaml")) {
            if (manifest.toString().endsWith(".camel.yaml")) {
                continue;
            }
            JsonNode doc = YAML.readTree(manifest.toFile());
            assertThat(doc.path("apiVersion").asText()).as(manifest.toString()).isEqualTo("camel.apache.org/v1");
            assertThat(doc.path("kind").asText()).as(manifest.toString()).isIn("Pipe", "Integration");
            assertThat(doc.path("metadata").path("name").asText()).matches("[a-z0-9]+(-[a-z0-9]+)*");
            kinds.add(doc.path("kind").asText());
            checkKameletRefs(manifest, doc);
            for (JsonNode source : doc.path("spec").path("sources")) {
                String key = source.path("contentKey").asText();
                Path file =
                        switch (source.path("contentRef").asText()) {
                            case "gateway-routes" -> ROUTES.resolve(key);
                            case "gateway-camel-k" -> CAMEL_K.resolve(key);
                            default ->
                                throw new AssertionError(manifest + ": unknown ConfigMap " + source.path("contentRef"));
                        };
                assertThat(file).as(manifest + " source " + key).isRegularFile();
            }
            if (doc.path("kind").asText().equals("Pipe")) {
                assertThat(doc.at("/spec/errorHandler/sink/endpoint/ref/name").asText())
                        .as(manifest + ": dead letters go to the DLQ sink")
                        .isEqualTo("telemetry-dlq-sink");
            }
        }
        assertThat(kinds).contains("Pipe", "Integration");
    }

    @Test
    void everyKameletIsShapedLikeTheUpstreamCatalogue() throws Exception {
        List<Path> kamelets = files(KAMELETS, ".kamelet.yaml");
        assertThat(kamelets).hasSizeGreaterThanOrEqualTo(4);
        for (Path file : kamelets) {
            String content = Files.readString(file);
            JsonNode kamelet = YAML.readTree(content);
            String name = file.getFileName().toString().replace(KameletCatalog.SUFFIX, "");
            KameletCatalog.checkShape(name, kamelet, content);
            kamelet.path("spec")
                    .path("definition")
                    .path("properties")
                    .properties()
                    .forEach(property -> {
                        if (property.getKey().toLowerCase().contains("password")) {
                            assertThat(property.getValue().path("format").asText())
                                    .as(file + " " + property.getKey())
                                    .isEqualTo("password");
                            assertThat(property.getValue().path("x-descriptors").toString())
                                    .contains("urn:camel:group:credentials");
                        }
                    });
        }
    }

    @Test
    void theIntegrationsYamlRoutesLoadAndStartInAPlainCamelContext() throws Exception {
        JsonNode integration =
                YAML.readTree(CAMEL_K.resolve("integration-yaml-routes.yaml").toFile());
        Properties properties = new Properties();
        for (JsonNode property : integration.at("/spec/traits/camel/properties")) {
            String[] pair = property.asText().split("=", 2);
            properties.setProperty(pair[0], pair[1]);
        }
        // the test's real brokers instead of the cluster's; a topic of its own so no gateway instance competes
        EmbeddedBrokers brokers = SharedBrokers.get();
        String id = "ck-" + UUID.randomUUID().toString().substring(0, 8);
        properties.setProperty("camel.component.kafka.brokers", brokers.kafkaBootstrap());
        properties.setProperty("gateway.mqtt.broker-url", brokers.mqttUrl());
        properties.setProperty("gateway.mqtt.client-id", id);
        properties.setProperty("gateway.camel-k.bike-topic", "ck-bike/+/+");
        properties.setProperty("gateway.camel-k.bike-schema", "classpath:schemas/families/bike.schema.json");

        try (CamelContext camel = new DefaultCamelContext()) {
            camel.getPropertiesComponent().setInitialProperties(properties);
            camel.getComponent("kamelet", KameletComponent.class).setLocation("file:" + KAMELETS);
            // what the Camel K runtime (camel-main) does with camel.component.* properties
            for (String key : properties.stringPropertyNames()) {
                if (key.startsWith("camel.component.")) {
                    String[] parts = key.substring("camel.component.".length()).split("\\.", 2);
                    String option = Pattern.compile("-([a-z])")
                            .matcher(parts[1])
                            .replaceAll(m -> m.group(1).toUpperCase());
                    PropertyBindingSupport.build()
                            .bind(camel, camel.getComponent(parts[0]), option, properties.getProperty(key));
                }
            }
            List<Resource> sources = new ArrayList<>();
            for (JsonNode source : integration.path("spec").path("sources")) {
                Path dir = source.path("contentRef").asText().equals("gateway-routes") ? ROUTES : CAMEL_K;
                Path file = dir.resolve(source.path("contentKey").asText());
                sources.add(ResourceHelper.fromString("file:" + file, Files.readString(file)));
            }
            PluginHelper.getRoutesLoader(camel).loadRoutes(sources);
            camel.start();

            assertThat(camel.getRoutes().stream().map(Route::getRouteId))
                    .contains(
                            "ingest-receive-bike-fan-out",
                            "routing-fan-out-bike",
                            "routing-fan-out-fms",
                            "routing-fan-out-environment",
                            "routing-check-heartrate-high",
                            "routing-publish-alert",
                            "routing-report-cold-room");
            // end to end without Spring: MQTT 5 device source -> validation -> seed fan-out hook -> Kafka
            String payload = "{\"value\":250,\"unitName\":\"W\",\"timestamp\":1757841776}";
            try (MqttDevice device = new MqttDevice(brokers.mqttUrl())) {
                device.publish("ck-bike/" + id + "/power", payload);
            }
            KafkaProbe kafka = new KafkaProbe(brokers.kafkaBootstrap());
            ConsumerRecord<String, byte[]> fannedOut =
                    kafka.awaitKey("bike." + id + ".power", id, 1).get(0);
            assertThat(new String(fannedOut.value(), StandardCharsets.UTF_8)).isEqualTo(payload);
            assertThat(KafkaProbe.header(fannedOut, "x-family")).isEqualTo("bike");
        }
    }

    private static void checkKameletRefs(Path manifest, JsonNode node) throws Exception {
        if (node.isObject()) {
            JsonNode ref = node.path("ref");
            if ("Kamelet".equals(ref.path("kind").asText())) {
                String name = ref.path("name").asText();
                Path file = KAMELETS.resolve(name + KameletCatalog.SUFFIX);
                assertThat(file).as(manifest + " uses Kamelet " + name).isRegularFile();
                JsonNode kamelet = YAML.readTree(file.toFile());
                for (String required : KameletCatalog.required(kamelet)) {
                    assertThat(node.path("properties").has(required))
                            .as(manifest + ": Kamelet " + name + " needs " + required)
                            .isTrue();
                }
            }
            for (JsonNode child : node) {
                checkKameletRefs(manifest, child);
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                checkKameletRefs(manifest, child);
            }
        }
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> listed = Files.list(dir)) {
            return listed.filter(p -> p.getFileName().toString().endsWith(suffix))
                    .sorted()
                    .toList();
        }
    }
}
