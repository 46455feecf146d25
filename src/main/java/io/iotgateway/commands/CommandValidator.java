package io.iotgateway.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.sparkplug.SparkplugHost;
import io.iotgateway.telemetry.Identifiers;
import io.iotgateway.telemetry.JsonPayloads;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Checks a command from any input (HTTP, WebSocket, Kafka) against the configured components, so every input rejects
 * the same things with the same reasons. Expected body: {@code {"command": "setSpeed", "value": 75}}, optionally with
 * {@code commandId}, and {@code deviceId}, {@code component} and {@code timestamp} as in seed 000's command example.
 */
final class CommandValidator {

    static final int MAX_BODY_BYTES = 16 * 1024;
    private static final Pattern COMMAND_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,63}");
    private static final Pattern COMMAND_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Set<String> FIELDS =
            new TreeSet<>(Set.of("commandId", "deviceId", "component", "command", "value", "timestamp"));
    private static final String EXPECTED = "expected a JSON object such as {\"command\": \"setSpeed\", \"value\": 75}";

    private final ObjectMapper json = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final Map<String, CommandProperties.Component> components;
    private final BiFunction<String, String, Optional<String>> sparkplugMetrics;

    CommandValidator(Map<String, CommandProperties.Component> components) {
        this(components, (device, metric) -> Optional.empty());
    }

    /**
     * @param sparkplugMetrics the data type of a metric a Sparkplug B device (id {@code group/edgeNode[/device]})
     *     announced in its birth, empty when it is not online or has no such metric: its components are its metrics
     */
    CommandValidator(
            Map<String, CommandProperties.Component> components,
            BiFunction<String, String, Optional<String>> sparkplugMetrics) {
        this.components = Map.copyOf(components);
        this.sparkplugMetrics = sparkplugMetrics;
    }

    /**
     * @param deviceId from the URL or topic, or null when only the body names it
     * @param component from the URL or topic, or null when only the body names it
     * @param defaultCommandId the id to use when the body has none
     * @throws MessageRejectedException with the reason and a precise description
     */
    CommandRequest validate(String deviceId, String component, byte[] body, Supplier<String> defaultCommandId) {
        JsonNode command = parse(body);
        String device = agree("deviceId", deviceId, command, RejectReason.DEVICE_ID_MISMATCH);
        boolean sparkplug = SparkplugHost.isSparkplugId(device);
        if (!sparkplug && !Identifiers.isValid(device)) {
            throw reject(RejectReason.INVALID_COMMAND, "deviceId '" + device + "' must be 1-128 of A-Z a-z 0-9 . _ -");
        }
        String componentName = agree("component", component, command, RejectReason.INVALID_COMMAND);
        // A Sparkplug device's components are the metrics of its birth, in the range their data type holds.
        CommandProperties.Component range = components.get(componentName);
        boolean integral = false;
        if (sparkplug) {
            String type = sparkplugMetrics
                    .apply(device, componentName)
                    .orElseThrow(() -> reject(
                            RejectReason.UNKNOWN_COMPONENT,
                            "Sparkplug B device '" + device + "' is not online or announced no metric '" + componentName
                                    + "' in its birth"));
            SparkplugHost.NumberRange numbers = SparkplugHost.commandRange(type)
                    .orElseThrow(() -> reject(
                            RejectReason.INVALID_COMMAND,
                            "metric '" + componentName + "' is a " + type + ", which a command's number cannot set"));
            range = new CommandProperties.Component(numbers.min(), numbers.max());
            integral = numbers.integral();
        }
        if (range == null) {
            throw reject(
                    RejectReason.UNKNOWN_COMPONENT,
                    "unknown component '" + componentName + "'; expected one of " + new TreeSet<>(components.keySet()));
        }
        String name = text(command, "command", true);
        if (!COMMAND_NAME.matcher(name).matches()) {
            throw reject(
                    RejectReason.INVALID_COMMAND,
                    "command '" + name + "' must start with a letter and be up to 64 of A-Z a-z 0-9 . _ -");
        }
        JsonNode value = command.get("value");
        if (value == null || !value.isNumber() || !Double.isFinite(value.doubleValue())) {
            throw reject(RejectReason.INVALID_COMMAND, "value must be a finite number; " + EXPECTED);
        }
        double number = value.doubleValue();
        if (number < range.min() || number > range.max()) {
            throw reject(
                    RejectReason.VALUE_OUT_OF_RANGE,
                    "value " + value.asText() + " is outside the range of " + componentName + ": " + format(range.min())
                            + " to " + format(range.max()));
        }
        if (integral && number != Math.rint(number)) {
            throw reject(
                    RejectReason.VALUE_OUT_OF_RANGE,
                    "value " + value.asText() + " is not a whole number, which metric " + componentName + " holds");
        }
        String commandId = text(command, "commandId", false);
        if (commandId != null && !COMMAND_ID.matcher(commandId).matches()) {
            throw reject(RejectReason.INVALID_COMMAND, "commandId must be 1-64 of A-Z a-z 0-9 _ -");
        }
        if (command.has("timestamp") && !command.get("timestamp").isTextual()) {
            throw reject(RejectReason.INVALID_COMMAND, "timestamp must be a string");
        }
        return new CommandRequest(
                commandId == null ? defaultCommandId.get() : commandId, device, componentName, name, number);
    }

    private JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw reject(RejectReason.INVALID_COMMAND, "the body is empty; " + EXPECTED);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw reject(
                    RejectReason.INVALID_COMMAND,
                    "the body has " + body.length + " bytes; at most " + MAX_BODY_BYTES + " are accepted");
        }
        String encoding = JsonPayloads.encodingProblem(body);
        if (encoding != null) {
            throw reject(RejectReason.INVALID_COMMAND, "the body is not valid JSON: " + encoding);
        }
        JsonNode node;
        try {
            node = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw reject(RejectReason.INVALID_COMMAND, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw reject(RejectReason.INVALID_COMMAND, "the body cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw reject(RejectReason.INVALID_COMMAND, EXPECTED);
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String field = names.next();
            if (!FIELDS.contains(field)) {
                throw reject(RejectReason.INVALID_COMMAND, "unexpected field '" + field + "'; expected only " + FIELDS);
            }
        }
        return node;
    }

    /** The value the URL or topic gives, which the body may repeat but not contradict. */
    private static String agree(String field, String given, JsonNode command, RejectReason mismatch) {
        String inBody = text(command, field, false);
        if (given == null) {
            if (inBody == null) {
                throw reject(RejectReason.INVALID_COMMAND, field + " is missing");
            }
            return inBody;
        }
        if (inBody != null && !inBody.equals(given)) {
            throw reject(mismatch, field + " '" + inBody + "' in the body does not match '" + given + "'");
        }
        return given;
    }

    private static String text(JsonNode command, String field, boolean required) {
        JsonNode node = command.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw reject(RejectReason.INVALID_COMMAND, field + " is missing; " + EXPECTED);
            }
            return null;
        }
        if (!node.isTextual()) {
            throw reject(RejectReason.INVALID_COMMAND, field + " must be a string");
        }
        return node.textValue();
    }

    private static String format(double number) {
        // whole numbers as such, unless too large to be exact (a Float or Double metric's range)
        return number == Math.rint(number) && Math.abs(number) < 1e15
                ? String.valueOf((long) number)
                : String.valueOf(number);
    }

    private static MessageRejectedException reject(RejectReason reason, String detail) {
        return new MessageRejectedException(reason, detail);
    }
}
