package io.iotgateway.ingest;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.reload.InvalidSourceException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;

/** Reads one {@code <name>.family.yaml}: the keys of a {@code gateway.families} entry, in kebab-case. */
final class FamilyFiles {

    private final YAMLMapper yaml;
    private final Validator validator;

    FamilyFiles(Validator validator) {
        this.validator = validator;
        this.yaml = YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
    }

    FamilyProperties parse(Path file, String content) throws InvalidSourceException {
        String expectedName = stem(file);
        FamilyProperties parsed;
        try {
            parsed = yaml.readValue(content, FamilyProperties.class);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidSourceException(
                    at == null || at.getLineNr() < 1 ? null : at.getLineNr(), firstLine(e.getOriginalMessage()));
        }
        if (parsed == null) {
            throw new InvalidSourceException("the file is empty; expected a device family (name, topic, schema, ...)");
        }
        // The file name is the family name, so two files can never define the same family.
        if (parsed.name() != null && !parsed.name().equals(expectedName)) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, "name:"),
                    "name: '" + parsed.name() + "' differs from the file name; expected '" + expectedName
                            + "' (or no name)");
        }
        FamilyProperties family = new FamilyProperties(
                expectedName,
                parsed.topic(),
                parsed.filter(),
                parsed.schema(),
                parsed.deviceIdField(),
                parsed.readings(),
                parsed.timestampField(),
                parsed.metadataField(),
                parsed.rateLimit(),
                parsed.identityProperty(),
                parsed.format(),
                parsed.descriptor(),
                parsed.messageType(),
                parsed.twinReported());
        Set<ConstraintViolation<FamilyProperties>> violations = validator.validate(family);
        if (!violations.isEmpty()) {
            ConstraintViolation<FamilyProperties> first = violations.stream()
                    .min(Comparator.comparing(v -> v.getPropertyPath().toString()))
                    .orElseThrow();
            String key = kebab(first.getPropertyPath().toString());
            String leaf = key.substring(key.lastIndexOf('.') + 1).replaceAll("\\[.*", "");
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, leaf + ":"), key + ": " + first.getMessage());
        }
        return family;
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - FamilyCatalog.FAMILY_SUFFIX.length());
    }

    private static String kebab(String path) {
        return path.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
