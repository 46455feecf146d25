package io.iotgateway.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.config.InvalidConfigurationException;
import io.iotgateway.reload.InvalidSourceException;
import io.iotgateway.reload.RoutesProperties;
import io.iotgateway.sparkplug.SparkplugTopic;
import io.iotgateway.telemetry.Identifiers;
import jakarta.validation.Validator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.stereotype.Component;

/**
 * The device families: the {@code *.family.yaml} files of the routes directory and the {@code gateway.families}
 * entries, each checked and compiled. At start-up an inconsistency stops the application naming the file or property
 * (e.g. {@code routes/bike.family.yaml: topic}); at run time {@link FamilyFileHandler} swaps single families in and
 * out, and an invalid edit keeps the running version.
 */
@Component
class FamilyCatalog implements FamilyTwinMappings {

    static final String FAMILY_SUFFIX = ".family.yaml";

    private final JsonSchemaFactory schemas = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final ResourceLoader resources;
    private final ObjectMapper json;
    private final FamilyFiles files;
    private final Path directory;

    /** Copy-on-write: readers (every message) see one consistent set without locking. */
    private volatile Map<String, Family> families;
    /** Declaration order: application.yaml first, then files by name; the order patterns are listed in. */
    private volatile List<String> order;

    FamilyCatalog(
            GatewayProperties properties,
            RoutesProperties routes,
            ResourceLoader resources,
            ObjectMapper json,
            Validator validator) {
        this.resources = resources;
        this.json = json;
        this.files = new FamilyFiles(validator);
        this.directory = routes.directoryPath();
        Map<String, Family> compiled = new LinkedHashMap<>();
        for (int i = 0; i < properties.families().size(); i++) {
            String key = "gateway.families[" + i + "]";
            Family family;
            try {
                family = compile(key, properties.families().get(i), "application.yaml", null, null);
            } catch (InvalidSourceException e) {
                // the reason starts with the offending property, e.g. "gateway.families[0].topic: ..."
                int split = e.reason().indexOf(": ");
                throw new InvalidConfigurationException(
                        e.reason().substring(0, split), e.reason().substring(split + 2));
            }
            addAtStart(compiled, family, key);
        }
        for (Path file : familyFiles()) {
            String key = directory.getParent().relativize(file).toString();
            try {
                String content = Files.readString(file);
                addAtStart(compiled, compile(file, content), key);
            } catch (InvalidSourceException e) {
                throw new InvalidConfigurationException(key, e.getMessage());
            } catch (IOException e) {
                throw new InvalidConfigurationException(key, "cannot read the file: " + e.getMessage(), e);
            }
        }
        if (compiled.isEmpty()) {
            throw new InvalidConfigurationException(
                    "gateway.routes.directory",
                    "no device family: expected *" + FAMILY_SUFFIX + " files in " + directory
                            + " or gateway.families entries");
        }
        this.families = Map.copyOf(compiled);
        this.order = List.copyOf(compiled.keySet());
    }

    private void addAtStart(Map<String, Family> compiled, Family family, String key) {
        Optional<String> conflict = conflict(compiled, family);
        if (conflict.isPresent()) {
            throw new InvalidConfigurationException(key, conflict.get());
        }
        compiled.put(family.name(), family);
    }

    /** Why {@code family} cannot join {@code current} (ignoring its own previous version), if it cannot. */
    static Optional<String> conflict(Map<String, Family> current, Family family) {
        for (Family other : current.values()) {
            if (other.source().equals(family.source())) {
                continue;
            }
            if (other.name().equals(family.name())) {
                return Optional.of("family name '" + family.name() + "' is already used by " + other.source()
                        + "; expected unique names");
            }
            if (other.filter().equals(family.filter())) {
                return Optional.of("subscription filter '" + family.filter() + "' is already used by family '"
                        + other.name() + "' (" + other.source() + "); each family needs its own filter");
            }
        }
        return Optional.empty();
    }

    /** Compiles a family file; nothing running changes. */
    Family compile(Path file, String content) throws InvalidSourceException {
        FamilyProperties properties = files.parse(file, content);
        return compile("", properties, file.toString(), file, content);
    }

    @Override
    public Map<String, String> reportedComponents(String family) {
        Family found = family == null ? null : families.get(family);
        return found == null ? Map.of() : found.properties().twinReported();
    }

    Optional<Family> get(String name) {
        return Optional.ofNullable(families.get(name));
    }

    List<Family> all() {
        Map<String, Family> snapshot = families;
        return order.stream().map(snapshot::get).filter(f -> f != null).toList();
    }

    Map<String, Family> snapshot() {
        return families;
    }

    /** Adds or replaces one family (called by the reload manager's single thread only). */
    synchronized void put(Family family) {
        Map<String, Family> next = new LinkedHashMap<>(families);
        next.put(family.name(), family);
        List<String> names = new ArrayList<>(order);
        if (!names.contains(family.name())) {
            names.add(family.name());
        }
        order = List.copyOf(names);
        families = Map.copyOf(next);
    }

    synchronized void remove(String name) {
        Map<String, Family> next = new LinkedHashMap<>(families);
        next.remove(name);
        families = Map.copyOf(next);
        order = order.stream().filter(n -> !n.equals(name)).toList();
    }

    /** The variables {@code topic} binds in family {@code name}, or empty if that family does not own the topic. */
    Optional<Match> resolve(String name, String topic) {
        Family family = families.get(name);
        if (family == null) {
            return Optional.empty();
        }
        TopicPattern pattern = family.pattern();
        if (pattern == null) {
            // Sparkplug B: the edge node is the unit of order, rate limit and identity (the host checks the rest)
            return topic != null && topic.startsWith(SparkplugTopic.NAMESPACE + "/")
                    ? Optional.of(new Match(family, Map.of("deviceId", SparkplugTopic.nodeIdOf(topic))))
                    : Optional.empty();
        }
        return pattern.match(topic).map(variables -> new Match(family, variables));
    }

    /** The first family (in start-up order) that owns {@code topic}, with the variables it binds. */
    Optional<Match> resolve(String topic) {
        for (Family family : all()) {
            Optional<Match> match = resolve(family.name(), topic);
            if (match.isPresent()) {
                return match;
            }
        }
        return Optional.empty();
    }

    List<String> patterns() {
        return all().stream()
                .map(f -> f.pattern() == null ? f.filter() : f.pattern().toString())
                .toList();
    }

    private List<Path> familyFiles() {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> listed = Files.list(directory)) {
            return listed.filter(p -> p.getFileName().toString().endsWith(FAMILY_SUFFIX))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new InvalidConfigurationException(
                    "gateway.routes.directory", "cannot list " + directory + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param key prefix for problems ("" for files, whose problems the caller prefixes with the file)
     * @param file the family file, or null for an application.yaml entry
     */
    private Family compile(String key, FamilyProperties family, String source, Path file, String content)
            throws InvalidSourceException {
        String prefix = key.isEmpty() ? "" : key + ".";
        if (family.sparkplug()) {
            return compileSparkplug(prefix, family, source, content);
        }
        if (isBlank(family.topic())) {
            throw problem(content, prefix + "topic", "topic", "must not be blank");
        }
        if (family.readings() == null || family.readings().isEmpty()) {
            throw problem(content, prefix + "readings", "readings", "must not be empty");
        }
        TopicPattern pattern;
        try {
            pattern = TopicPattern.parse(family.topic());
        } catch (IllegalArgumentException e) {
            throw problem(content, prefix + "topic", "topic", e.getMessage());
        }
        List<String> variables = pattern.variables();
        if (!variables.contains("deviceId") && isBlank(family.deviceIdField())) {
            throw problem(
                    content,
                    key.isEmpty() ? "topic" : key,
                    "topic",
                    "expected a device id source: a {deviceId} level in 'topic' or a 'device-id-field'");
        }
        for (int r = 0; r < family.readings().size(); r++) {
            FamilyProperties.Reading reading = family.readings().get(r);
            if (isBlank(reading.sensorType())
                    && isBlank(reading.sensorTypeField())
                    && !variables.contains("sensorType")) {
                throw problem(
                        content,
                        prefix + "readings[" + r + "]",
                        "readings",
                        "expected 'sensor-type', 'sensor-type-field' or a {sensorType} level in 'topic'");
            }
        }
        for (Map.Entry<String, String> reported : family.twinReported().entrySet()) {
            // sensor types and twin components as the device schemas and the command topics allow them
            if (!Identifiers.isValid(reported.getKey()) || !Identifiers.isValid(reported.getValue())) {
                throw problem(
                        content,
                        prefix + "twin-reported." + reported.getKey(),
                        "twin-reported",
                        "expected sensor type: component, both of letters, digits, '.', '_' or '-' (got '"
                                + reported.getKey() + ": " + reported.getValue() + "')");
            }
        }
        String filter = isBlank(family.filter()) ? pattern.filter() : family.filter();
        ProtobufPayloads protobuf = null;
        String descriptorLocation = null;
        if (family.protobuf()) {
            if (isBlank(family.descriptor())) {
                throw problem(
                        content,
                        prefix + "descriptor",
                        "format",
                        "expected the compiled descriptor set of a"
                                + " protobuf family (protoc --include_imports --descriptor_set_out=<name>.desc <name>.proto)");
            }
            if (isBlank(family.messageType())) {
                throw problem(
                        content,
                        prefix + "message-type",
                        "format",
                        "expected the payload's fully qualified message type, e.g. meter.Reading");
            }
            descriptorLocation = relativeTo(family.descriptor(), file);
            protobuf = loadDescriptor(content, prefix + "descriptor", descriptorLocation, family.messageType());
        } else {
            if (isBlank(family.schema())) {
                throw problem(content, prefix + "schema", "schema", "must not be blank");
            }
            if (!isBlank(family.descriptor()) || !isBlank(family.messageType())) {
                throw problem(
                        content,
                        prefix + (isBlank(family.descriptor()) ? "message-type" : "descriptor"),
                        isBlank(family.descriptor()) ? "message-type" : "descriptor",
                        "only for 'format: protobuf' families; this one is JSON");
            }
        }
        String schemaLocation = isBlank(family.schema()) ? null : relativeTo(family.schema(), file);
        JsonSchema schema = schemaLocation == null ? null : loadSchema(content, prefix + "schema", schemaLocation);
        return new Family(
                family, pattern, filter, schema, source, schemaLocation, content, protobuf, descriptorLocation);
    }

    /**
     * A Sparkplug B family: its topics ({@code spBv1.0/...}) and mapping are the spec's. It has no topic pattern, which
     * is how a match tells it from the others.
     */
    private static Family compileSparkplug(String prefix, FamilyProperties family, String source, String content)
            throws InvalidSourceException {
        for (String unused : List.of("topic", "schema", "descriptor", "message-type", "device-id-field")) {
            String value =
                    switch (unused) {
                        case "topic" -> family.topic();
                        case "schema" -> family.schema();
                        case "descriptor" -> family.descriptor();
                        case "message-type" -> family.messageType();
                        default -> family.deviceIdField();
                    };
            if (!isBlank(value)) {
                throw problem(
                        content,
                        prefix + unused,
                        unused,
                        "not for 'format: sparkplug' families: Sparkplug B fixes" + " topics ("
                                + SparkplugTopic.NAMESPACE + "/{group}/{type}/{edge node}[/{device}]) and payloads");
            }
        }
        if (family.readings() != null && !family.readings().isEmpty()) {
            throw problem(
                    content,
                    prefix + "readings",
                    "readings",
                    "not for 'format: sparkplug' families: every metric is a reading, named by its metric name");
        }
        String filter = isBlank(family.filter()) ? SparkplugTopic.NAMESPACE + "/#" : family.filter();
        if (!filter.startsWith(SparkplugTopic.NAMESPACE + "/")) {
            throw problem(
                    content,
                    prefix + "filter",
                    "filter",
                    "'" + filter + "' is not within " + SparkplugTopic.NAMESPACE + "/; expected e.g. "
                            + SparkplugTopic.NAMESPACE + "/# or " + SparkplugTopic.NAMESPACE + "/plant-1/#");
        }
        return new Family(family, null, filter, null, source, null, content, null, null);
    }

    private ProtobufPayloads loadDescriptor(String content, String key, String location, String messageType)
            throws InvalidSourceException {
        if (location.endsWith(".proto")) {
            throw problem(
                    content,
                    key,
                    "descriptor",
                    "'" + location + "' is .proto source; the gateway reads the"
                            + " compiled descriptor set: protoc --include_imports --descriptor_set_out=<name>.desc <name>.proto");
        }
        Resource resource = existing(content, key, "descriptor", "descriptor set", location);
        try (InputStream in = resource.getInputStream()) {
            return ProtobufPayloads.fromDescriptorSet(in.readAllBytes(), messageType);
        } catch (IOException e) {
            throw problem(content, key, "descriptor", "cannot read '" + location + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw problem(content, key, "descriptor", "'" + location + "': " + e.getMessage());
        }
    }

    /**
     * A schema or descriptor given as a plain path is relative to its family file, so a family and the files it uses
     * travel together.
     */
    private static String relativeTo(String location, Path file) {
        if (file == null || location.contains(":")) {
            return location;
        }
        return "file:" + file.getParent().resolve(location).normalize();
    }

    /** The file a family names ({@code what}, e.g. "JSON Schema"), or the problem naming where it was looked for. */
    private Resource existing(String content, String key, String yamlKey, String what, String location)
            throws InvalidSourceException {
        Resource resource = resources.getResource(location);
        if (!resource.exists()) {
            throw problem(
                    content,
                    key,
                    yamlKey,
                    "no " + what + " at '" + location
                            + "' (expected classpath:..., file:... or a path relative to the family file)");
        }
        return resource;
    }

    private JsonSchema loadSchema(String content, String key, String location) throws InvalidSourceException {
        Resource resource = existing(content, key, "schema", "JSON Schema", location);
        try (InputStream in = resource.getInputStream()) {
            JsonNode schema = json.readTree(in);
            return schemas.getSchema(schema);
        } catch (IOException | RuntimeException e) {
            throw problem(content, key, "schema", "'" + location + "' is not a valid JSON Schema: " + e.getMessage());
        }
    }

    private static InvalidSourceException problem(String content, String key, String yamlKey, String reason) {
        return new InvalidSourceException(InvalidSourceException.lineOf(content, yamlKey + ":"), key + ": " + reason);
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /**
     * @param source the family file, or "application.yaml"
     * @param schema the payload's JSON Schema, or null (a protobuf family may go without)
     * @param schemaLocation where the payload schema was read from, or null
     * @param content the family file's content (null for application.yaml entries)
     * @param protobuf the decoder of a {@code format: protobuf} family, null for a JSON family
     * @param descriptorLocation where a protobuf family's descriptor set was read from, or null
     */
    record Family(
            FamilyProperties properties,
            TopicPattern pattern,
            String filter,
            JsonSchema schema,
            String source,
            String schemaLocation,
            String content,
            ProtobufPayloads protobuf,
            String descriptorLocation) {

        /** A JSON family. */
        Family(
                FamilyProperties properties,
                TopicPattern pattern,
                String filter,
                JsonSchema schema,
                String source,
                String schemaLocation,
                String content) {
            this(properties, pattern, filter, schema, source, schemaLocation, content, null, null);
        }

        String name() {
            return properties.name();
        }

        /** A Sparkplug B family (which has no topic pattern of its own). */
        boolean sparkplug() {
            return pattern == null;
        }
    }

    record Match(Family family, Map<String, String> variables) {}
}
