package io.iotgateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the repository's deployment files and the application configuration they must agree with. */
final class DeploymentFiles {

    static final Path APPLICATION_YAML = Path.of("src", "main", "resources", "application.yaml");

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Pattern ENV_PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");

    private DeploymentFiles() {}

    static JsonNode yaml(Path file) {
        List<JsonNode> documents = yamlDocuments(file);
        if (documents.size() != 1) {
            throw new AssertionError(file + " should hold one YAML document, it holds " + documents.size());
        }
        return documents.get(0);
    }

    static List<JsonNode> yamlDocuments(Path file) {
        try (MappingIterator<JsonNode> documents =
                YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            return documents.readAll().stream()
                    .filter(doc -> doc != null && !doc.isNull())
                    .toList();
        } catch (IOException e) {
            throw new AssertionError(file + " is not valid YAML: " + e.getMessage(), e);
        }
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Environment variables application.yaml reads ({@code ${NAME:default}}). */
    static Set<String> applicationEnvironmentVariables() {
        Set<String> names = new LinkedHashSet<>();
        Matcher matcher = ENV_PLACEHOLDER.matcher(text(APPLICATION_YAML));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** The default of {@code ${NAME:default}} in application.yaml. */
    static String applicationDefault(String name) {
        Matcher matcher =
                Pattern.compile("\\$\\{" + Pattern.quote(name) + ":([^}]*)}").matcher(text(APPLICATION_YAML));
        if (!matcher.find()) {
            throw new AssertionError("application.yaml has no ${" + name + ":...}");
        }
        return matcher.group(1);
    }

    /**
     * Whether a container may set this variable for the gateway: application.yaml reads it, or Spring Boot / the JVM
     * understand it by themselves.
     */
    static boolean gatewayUnderstands(String name) {
        return applicationEnvironmentVariables().contains(name)
                || name.startsWith("SPRING_")
                || name.equals("JAVA_TOOL_OPTIONS")
                || name.equals("JDK_JAVA_OPTIONS");
    }

    /** An image reference pinned to a version: a tag that is not "latest", or a digest. */
    static boolean pinned(String image) {
        if (image.contains("@sha256:")) {
            return true;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        if (colon <= slash) {
            return false;
        }
        String tag = image.substring(colon + 1);
        return !tag.equals("latest") && tag.matches(".*\\d.*");
    }
}
