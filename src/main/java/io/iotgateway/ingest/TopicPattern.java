package io.iotgateway.ingest;

import io.iotgateway.telemetry.Identifiers;
import io.iotgateway.telemetry.TopicTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An MQTT topic pattern such as {@code bike/{deviceId}/{sensorType}}: each level is literal text or a named variable
 * that matches one non-empty level.
 */
final class TopicPattern {

    private static final Pattern VARIABLE = TopicTemplate.VARIABLE;
    private static final int MAX_VARIABLE_LENGTH = 128; // as Identifiers.ID

    private final String source;
    private final List<String> levels;

    private TopicPattern(String source, List<String> levels) {
        this.source = source;
        this.levels = levels;
    }

    /** @throws IllegalArgumentException with what was expected, when the pattern is malformed */
    static TopicPattern parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new IllegalArgumentException("expected a topic pattern such as 'devices/{deviceId}/telemetry'");
        }
        List<String> levels = List.of(pattern.split("/", -1));
        List<String> seen = new ArrayList<>();
        for (String level : levels) {
            Matcher variable = VARIABLE.matcher(level);
            if (variable.matches()) {
                if (seen.contains(variable.group(1))) {
                    throw new IllegalArgumentException(
                            "'" + pattern + "' uses {" + variable.group(1) + "} twice; expected each variable once");
                }
                seen.add(variable.group(1));
            } else if (level.isEmpty()
                    || level.contains("+")
                    || level.contains("#")
                    || level.contains("{")
                    || level.contains("}")) {
                throw new IllegalArgumentException("'" + pattern
                        + "' has an invalid level '" + level
                        + "': expected literal text without '+', '#', '{', '}' or a whole-level {variable}");
            }
        }
        return new TopicPattern(pattern, levels);
    }

    /** The subscription filter that receives exactly the topics this pattern can match. */
    String filter() {
        return String.join(
                "/", levels.stream().map(l -> isVariable(l) ? "+" : l).toList());
    }

    List<String> variables() {
        return levels.stream()
                .filter(TopicPattern::isVariable)
                .map(TopicPattern::name)
                .toList();
    }

    /**
     * Variables bound by {@code topic}, or empty when the topic does not have this shape (another number of levels or
     * other literal levels). The values are as the topic has them: {@link #problem} says whether they are usable.
     */
    Optional<Map<String, String>> match(String topic) {
        String[] parts = topic.split("/", -1);
        if (parts.length != levels.size()) {
            return Optional.empty();
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < parts.length; i++) {
            String level = levels.get(i);
            if (isVariable(level)) {
                values.put(name(level), parts[i]);
            } else if (!level.equals(parts[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(values);
    }

    /**
     * Why a bound variable cannot be used, if one cannot: every id level must be an identifier (see
     * {@link Identifiers}), because ids end up in Kafka keys and topic names, MongoDB documents and URLs.
     */
    static Optional<String> problem(Map<String, String> variables) {
        for (Map.Entry<String, String> variable : variables.entrySet()) {
            String value = variable.getValue();
            if (Identifiers.isValid(value)) {
                continue;
            }
            String name = "{" + variable.getKey() + "}";
            if (value.isEmpty()) {
                return Optional.of(name + " is empty");
            }
            if (value.length() > MAX_VARIABLE_LENGTH) {
                return Optional.of(name + " has " + value.length() + " characters; at most " + MAX_VARIABLE_LENGTH
                        + " are allowed");
            }
            int bad = value.codePoints()
                    .filter(c -> !Identifiers.isValid(Character.toString(c)))
                    .findFirst()
                    .orElse('?');
            return Optional.of(name + " '" + Identifiers.printable(value) + "' contains " + String.format("U+%04X", bad)
                    + "; expected letters, digits, '.', '_' or '-'");
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return source;
    }

    private static boolean isVariable(String level) {
        return VARIABLE.matcher(level).matches();
    }

    private static String name(String level) {
        return level.substring(1, level.length() - 1);
    }
}
