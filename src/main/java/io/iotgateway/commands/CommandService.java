package io.iotgateway.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.sparkplug.SparkplugHost;
import io.iotgateway.telemetry.GatewayExchange;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Service;

/**
 * Accepts commands from every input, stores them, and hands each to the MQTT broker once. HTTP and WebSocket callers
 * get the outcome directly; Kafka input fails its exchange so the error policy retries or dead-letters it.
 */
@Service
public class CommandService {

    /** Kafka record header a producer may set to name its command (otherwise the record's position names it). */
    static final String COMMAND_ID_HEADER = "x-command-id";

    private static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(5);

    private final CommandStore store;
    private final CommandTopics topics;
    private final CommandValidator validator;
    private final ProducerTemplate producer;
    private final MeterRegistry meters;
    private final Clock clock;
    private final CommandProperties properties;

    private final SparkplugHost sparkplug;

    /**
     * Sparkplug B commands published and not yet seen applied, by device and metric: Sparkplug has no command report,
     * the device's next DATA with the commanded value settles it. In memory (a restart leaves them to time out).
     */
    private final Map<String, Command> openSparkplug = new ConcurrentHashMap<>();

    CommandService(
            CommandStore store,
            CommandTopics topics,
            ProducerTemplate producer,
            MeterRegistry meters,
            Clock clock,
            CommandProperties properties,
            SparkplugHost sparkplug) {
        this.store = store;
        this.topics = topics;
        this.sparkplug = sparkplug;
        this.validator = new CommandValidator(properties.components(), sparkplug::metricType);
        sparkplug.onReading(this::sparkplugReading);
        this.producer = producer;
        this.meters = meters;
        this.clock = clock;
        this.properties = properties;
    }

    /**
     * A command for {@code component} of {@code deviceId} from an API caller.
     *
     * @throws MessageRejectedException when the command is invalid (reason and description for a 400)
     * @throws CommandUndeliverableException when the MQTT broker cannot take it (for a 503)
     */
    public Command submit(String deviceId, String component, byte[] body, String source) {
        CommandRequest request =
                validate(deviceId, component, body, () -> UUID.randomUUID().toString());
        Command command = store.insertIfAbsent(accepted(request, source));
        if (command.publishedAt() != null) {
            count("duplicate");
            return command;
        }
        try {
            return publish(command);
        } catch (RuntimeException e) {
            // Without command routes (CommandRoutes) there is no publisher, rather than a broker that refused.
            String code = properties.enabled() ? "mqtt-unavailable" : "commands-disabled";
            String reason = properties.enabled()
                    ? "the MQTT broker did not take the command: " + describe(e)
                    : "commands are disabled in this gateway instance (gateway.commands.enabled=false)";
            store.markUndeliverable(command.commandId(), reason);
            count("undeliverable");
            throw new CommandUndeliverableException(command, code, reason);
        }
    }

    /** A command written to a Kafka command topic, as WebSocket clients address them too. */
    public Command submitToTopic(String topic, byte[] body, String source) {
        Optional<CommandTopics.Target> target = target(topic);
        return submit(
                target.map(CommandTopics.Target::deviceId).orElse(null),
                target.map(CommandTopics.Target::component).orElse(null),
                body,
                source);
    }

    /**
     * Checks that a command with this value for this component would be accepted, without sending anything: device
     * twins validate desired values by the same rules and reasons.
     *
     * @throws MessageRejectedException as {@link #submit} would
     */
    public void check(String deviceId, String component, String command, JsonNode value) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("command", command);
        body.set("value", value);
        validator.validate(deviceId, component, body.toString().getBytes(StandardCharsets.UTF_8), () -> "check");
    }

    public Optional<Command> find(String commandId) {
        return store.find(commandId);
    }

    public List<Command> forDevice(String deviceId, int limit) {
        return store.forDevice(deviceId, limit);
    }

    /** One record from a Kafka command topic; a redelivered record is published once. */
    void acceptFromKafka(Exchange exchange) {
        String topic = exchange.getMessage().getHeader(KafkaConstants.TOPIC, String.class);
        exchange.setProperty(GatewayExchange.SOURCE_TOPIC, topic);
        exchange.setProperty(GatewayExchange.RECEIVED_AT, clock.instant());
        Optional<CommandTopics.Target> target = target(topic);
        target.ifPresent(t -> exchange.setProperty(GatewayExchange.DEVICE_ID, t.deviceId()));
        String named = exchange.getMessage().getHeader(COMMAND_ID_HEADER, String.class);
        String position = topic + "/" + exchange.getMessage().getHeader(KafkaConstants.PARTITION) + "/"
                + exchange.getMessage().getHeader(KafkaConstants.OFFSET);
        CommandRequest request = validate(
                target.map(CommandTopics.Target::deviceId).orElse(null),
                target.map(CommandTopics.Target::component).orElse(null),
                exchange.getMessage().getBody(byte[].class),
                () -> named != null
                        ? named
                        : UUID.nameUUIDFromBytes(position.getBytes(StandardCharsets.UTF_8))
                                .toString());
        exchange.setProperty(GatewayExchange.DEVICE_ID, request.deviceId());
        Command command = store.insertIfAbsent(accepted(request, "kafka"));
        if (command.publishedAt() != null) {
            count("duplicate");
            return;
        }
        publish(command);
    }

    private Optional<CommandTopics.Target> target(String topic) {
        if (topic == null || !topics.isCommandTopic(topic)) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_COMMAND,
                    "topic '" + topic + "' is not a command topic; expected " + properties.kafkaCommandTopicTemplate()
                            + " or " + properties.kafkaCommandTopic());
        }
        return topics.parseKafkaCommandTopic(topic);
    }

    private CommandRequest validate(String deviceId, String component, byte[] body, Supplier<String> defaultId) {
        try {
            return validator.validate(deviceId, component, body, defaultId);
        } catch (MessageRejectedException e) {
            count("rejected");
            throw e;
        }
    }

    private Command accepted(CommandRequest request, String source) {
        Instant now = clock.instant();
        return Command.accepted(request, source, now, now.plus(properties.timeout()));
    }

    /** A Sparkplug device reported a metric: a command it was waiting for with this value is ACKED. */
    private void sparkplugReading(String deviceId, String metric, double value, Instant at) {
        if (openSparkplug.isEmpty()) {
            return;
        }
        Command open = openSparkplug.get(deviceId + '\0' + metric);
        // float metrics come back rounded to float precision
        if (open != null
                && Math.abs(open.value() - value) <= 1e-6 * Math.max(1, Math.abs(value))
                && openSparkplug.remove(deviceId + '\0' + metric, open)) {
            store.settle(open.commandId(), CommandStatus.ACKED, Map.<String, Object>of("value", value), null, at);
        }
    }

    private Command publishSparkplug(Command command) {
        Instant publishedAt = clock.instant();
        try {
            sparkplug.command(command.deviceId(), command.component(), command.value());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        openSparkplug.put(command.deviceId() + '\0' + command.component(), command);
        store.markPublished(command.commandId(), publishedAt);
        count("accepted");
        return command.withPublishedAt(publishedAt);
    }

    private Command publish(Command command) {
        if (SparkplugHost.isSparkplugId(command.deviceId())) {
            return publishSparkplug(command);
        }
        long deadline = System.nanoTime() + IN_FLIGHT_WAIT.toNanos();
        Exchange sent;
        Instant publishedAt;
        do {
            // when the broker was handed the command: the device's report can only come after it
            publishedAt = clock.instant();
            sent = producer.send(CommandRoutes.PUBLISH_ENDPOINT, exchange -> exchange.getMessage()
                    .setBody(command));
            // The broker's receive maximum caps un-acknowledged publishes; beyond it, wait for a slot (back-pressure).
        } while (isInFlightLimit(sent.getException()) && System.nanoTime() < deadline && pause());
        if (sent.getException() != null) {
            throw new IllegalStateException(describe(sent.getException()), sent.getException());
        }
        store.markPublished(command.commandId(), publishedAt);
        count("accepted");
        return command.withPublishedAt(publishedAt);
    }

    private static boolean isInFlightLimit(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof MqttException mqtt
                    && mqtt.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                return true;
            }
        }
        return false;
    }

    private static boolean pause() {
        LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        return true;
    }

    private void count(String outcome) {
        meters.counter("gateway.commands", "status", outcome).increment();
    }

    private static String describe(Throwable failure) {
        Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }
}
