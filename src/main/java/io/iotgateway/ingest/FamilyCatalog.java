package io.iotgateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.config.InvalidConfigurationException;
import io.iotgateway.telemetry.TopicTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The configured device families, checked and compiled once at start-up. Any inconsistency stops the application
 * with the offending property, e.g. {@code gateway.families[2].topic}.
 */
@Component
class FamilyCatalog {

    private final List<Family> families;

    FamilyCatalog(GatewayProperties properties, ResourceLoader resources, ObjectMapper json) {
        JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        List<Family> compiled = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < properties.families().size(); i++) {
            FamilyProperties family = properties.families().get(i);
            String key = "gateway.families[" + i + "]";
            if (!names.add(family.name())) {
                throw new InvalidConfigurationException(
                        key + ".name", "'" + family.name() + "' is used by another family; expected unique names");
            }
            compiled.add(compile(key, family, schemas, resources, json));
        }
        this.families = List.copyOf(compiled);
    }

    /** The family owning {@code topic} and the variables the topic binds, or empty if no family owns it. */
    Optional<Match> resolve(String topic) {
        for (Family family : families) {
            Optional<Map<String, String>> variables = family.pattern().match(topic);
            if (variables.isPresent()) {
                return Optional.of(new Match(family, variables.get()));
            }
        }
        return Optional.empty();
    }

    /** One subscription per distinct filter, named after the first family that declares it. */
    Map<String, String> subscriptionsByName() {
        Map<String, String> byFilter = new LinkedHashMap<>();
        for (Family family : families) {
            byFilter.putIfAbsent(family.filter(), family.properties().name());
        }
        Map<String, String> byName = new LinkedHashMap<>();
        byFilter.forEach((filter, name) -> byName.put(name, filter));
        return byName;
    }

    List<String> patterns() {
        return families.stream().map(f -> f.pattern().toString()).toList();
    }

    private static Family compile(
            String key,
            FamilyProperties family,
            JsonSchemaFactory schemas,
            ResourceLoader resources,
            ObjectMapper json) {
        TopicPattern pattern;
        try {
            pattern = TopicPattern.parse(family.topic());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(key + ".topic", e.getMessage(), e);
        }
        List<String> variables = pattern.variables();
        if (!variables.contains("deviceId") && isBlank(family.deviceIdField())) {
            throw new InvalidConfigurationException(
                    key, "expected a device id source: a {deviceId} level in 'topic' or a 'device-id-field'");
        }
        for (int r = 0; r < family.readings().size(); r++) {
            FamilyProperties.Reading reading = family.readings().get(r);
            if (isBlank(reading.sensorType())
                    && isBlank(reading.sensorTypeField())
                    && !variables.contains("sensorType")) {
                throw new InvalidConfigurationException(
                        key + ".readings[" + r + "]",
                        "expected 'sensor-type', 'sensor-type-field' or a {sensorType} level in 'topic'");
            }
        }
        if (family.fanOut() != null) {
            List<String> known = new ArrayList<>(variables);
            known.add("deviceId");
            known.add("sensorType");
            checkTemplate(key + ".fan-out.topic", family.fanOut().topic(), known);
            if (family.fanOut().key() != null) {
                checkTemplate(key + ".fan-out.key", family.fanOut().key(), known);
            }
        }
        String filter = isBlank(family.filter()) ? pattern.filter() : family.filter();
        return new Family(
                family, pattern, filter, loadSchema(key + ".schema", family.schema(), schemas, resources, json));
    }

    private static void checkTemplate(String key, String template, List<String> known) {
        for (String variable : TopicTemplate.variables(template)) {
            if (!known.contains(variable)) {
                throw new InvalidConfigurationException(
                        key, "'" + template + "' uses {" + variable + "}, expected one of " + known);
            }
        }
    }

    private static JsonSchema loadSchema(
            String key, String location, JsonSchemaFactory schemas, ResourceLoader resources, ObjectMapper json) {
        Resource resource = resources.getResource(location);
        if (!resource.exists()) {
            throw new InvalidConfigurationException(
                    key, "no JSON Schema at '" + location + "' (expected classpath:... or file:...)");
        }
        try (InputStream in = resource.getInputStream()) {
            JsonNode schema = json.readTree(in);
            return schemas.getSchema(schema);
        } catch (IOException | RuntimeException e) {
            throw new InvalidConfigurationException(
                    key, "'" + location + "' is not a valid JSON Schema: " + e.getMessage(), e);
        }
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    record Family(FamilyProperties properties, TopicPattern pattern, String filter, JsonSchema schema) {}

    record Match(Family family, Map<String, String> variables) {}
}
