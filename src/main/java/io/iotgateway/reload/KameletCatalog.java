package io.iotgateway.reload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The Kamelets routes may use: {@code <kamelets directory>/<name>.kamelet.yaml} first, then the classpath
 * {@code kamelets/} (the same order as {@code camel.component.kamelet.location}).
 */
@Component
public class KameletCatalog {

    public static final String SUFFIX = ".kamelet.yaml";
    static final String TYPE_LABEL = "camel.apache.org/kamelet.type";

    private final YAMLMapper yaml = new YAMLMapper();
    private final Path directory;

    KameletCatalog(RoutesProperties properties) {
        this.directory = properties.kameletsPath();
    }

    Path directory() {
        return directory;
    }

    /** The Kamelet's definition, parsed, or empty when no such Kamelet exists. */
    Optional<JsonNode> find(String name) throws InvalidSourceException {
        Path file = directory.resolve(name + SUFFIX);
        try {
            if (Files.isRegularFile(file)) {
                return Optional.of(yaml.readTree(Files.readString(file)));
            }
            try (InputStream in = getClass().getClassLoader().getResourceAsStream("kamelets/" + name + SUFFIX)) {
                return in == null ? Optional.empty() : Optional.of(yaml.readTree(in));
            }
        } catch (IOException e) {
            throw new InvalidSourceException("Kamelet '" + name + "' cannot be read: " + e.getMessage());
        }
    }

    /** The properties a use of the Kamelet must set ({@code spec.definition.required}). */
    static List<String> required(JsonNode kamelet) {
        List<String> names = new ArrayList<>();
        kamelet.path("spec").path("definition").path("required").forEach(n -> names.add(n.asText()));
        return names;
    }

    /**
     * Checks a Kamelet document the way apache/camel-kamelets lays them out: kind Kamelet, {@code metadata.name} equal
     * to the file name, a type label, a JSON-Schema {@code spec.definition} and a template.
     */
    static void checkShape(String expectedName, JsonNode kamelet, String content) throws InvalidSourceException {
        if (kamelet == null || !"Kamelet".equals(kamelet.path("kind").asText())) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, "kind:"), "expected 'kind: Kamelet'");
        }
        String name = kamelet.path("metadata").path("name").asText();
        if (!expectedName.equals(name)) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, "name:"),
                    "metadata.name '" + name + "' differs from the file name; expected '" + expectedName + "'");
        }
        String type = kamelet.path("metadata").path("labels").path(TYPE_LABEL).asText();
        if (!List.of("source", "sink", "action").contains(type)) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, "labels:"),
                    "metadata.labels." + TYPE_LABEL + " is '" + type + "'; expected source, sink or action");
        }
        if (!kamelet.path("spec").path("definition").path("properties").isObject()) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, "spec:"),
                    "expected a JSON-Schema spec.definition with properties");
        }
        if (!kamelet.path("spec").path("template").isObject()) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, "spec:"), "expected spec.template (the Kamelet's route)");
        }
    }
}
