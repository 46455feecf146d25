package io.iotgateway.commands;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.GatewayExchange;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.DefaultMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.springframework.stereotype.Component;

/**
 * Device reports on {@code devices/{deviceId}/reports/{component}}: each settles its command (matched by the MQTT 5
 * correlation data, or a {@code commandId} in the body) and is forwarded to the seed's report topic. Status changes
 * are announced on the status topic; timeouts too.
 *
 * <p>Report body: a JSON object, {@code {"status": "ok", "value": 75}} or {@code {"status": "error", "reason":
 * "motor stalled"}}; {@code status} defaults to ok, and every other field is the state the device reports.
 */
@Component
class CommandReports {

    private static final String SETTLED = "gateway.settledCommand";
    private static final String ANNOUNCE = "gateway.announce";
    private static final int MAX_REPORT_BYTES = 16 * 1024;
    private static final Duration ANNOUNCE_GRACE = Duration.ofSeconds(5);
    private static final TypeReference<LinkedHashMap<String, Object>> OBJECT = new TypeReference<>() {};

    private final CommandStore store;
    private final CommandTopics topics;
    private final ObjectMapper json;
    private final CamelContext camel;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Timer roundTrips;
    private final String statusTopic;

    CommandReports(
            CommandStore store,
            CommandTopics topics,
            ObjectMapper json,
            CamelContext camel,
            Clock clock,
            MeterRegistry meters,
            CommandProperties properties) {
        this.store = store;
        this.topics = topics;
        this.json = json;
        this.camel = camel;
        this.clock = clock;
        this.meters = meters;
        this.statusTopic = properties.statusTopic();
        this.roundTrips = Timer.builder("gateway.commands.round.trip")
                .description("From publishing a command to MQTT to the device's report")
                .publishPercentileHistogram()
                .register(meters);
    }

    /** Settles the command and turns the report into Kafka records: the seed report, and the status change. */
    void toRecords(Exchange exchange) {
        Instant reportedAt = clock.instant();
        String topic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        exchange.setProperty(GatewayExchange.SOURCE_TOPIC, topic);
        exchange.setProperty(GatewayExchange.RECEIVED_AT, reportedAt);
        CommandTopics.Target target = topics.parseMqttReportTopic(topic)
                .orElseThrow(() -> new MessageRejectedException(
                        RejectReason.INVALID_REPORT, "topic '" + topic + "' is not a report topic"));
        exchange.setProperty(GatewayExchange.DEVICE_ID, target.deviceId());
        Map<String, Object> report = parse(exchange.getMessage().getBody(byte[].class));

        String commandId = correlation(exchange).orElseGet(() -> text(report.remove("commandId")));
        report.remove("commandId");
        CommandStatus status = status(report.remove("status"));
        String reason = text(report.remove("reason"));
        Optional<Command> settled = commandId == null
                ? Optional.empty()
                : store.settle(commandId, status, report, reason, reportedAt)
                        .filter(command -> command.deviceId().equals(target.deviceId()));
        settled.ifPresent(command -> {
            meters.counter("gateway.commands", "status", status.name().toLowerCase(Locale.ROOT))
                    .increment();
            if (command.roundTripMs() != null) {
                roundTrips.record(Duration.ofMillis(command.roundTripMs()));
            }
        });

        Map<String, Object> forwarded = new LinkedHashMap<>();
        forwarded.put("commandId", settled.isPresent() ? commandId : null);
        forwarded.put("deviceId", target.deviceId());
        forwarded.put("component", target.component());
        forwarded.put("status", settled.map(c -> c.status().name()).orElse("REPORTED"));
        forwarded.put("state", report);
        forwarded.put("reason", reason);
        forwarded.put("roundTripMs", settled.map(Command::roundTripMs).orElse(null));
        forwarded.put("timestamp", reportedAt.toString());
        forwarded.values().removeIf(v -> v == null);

        List<Message> records = new ArrayList<>(2);
        records.add(
                record(topics.kafkaReportTopic(target.deviceId(), target.component()), target.deviceId(), forwarded));
        settled.ifPresent(command -> records.add(record(statusTopic, command.deviceId(), command)));
        exchange.setProperty(SETTLED, settled.map(Command::commandId).orElse(null));
        exchange.getMessage().setBody(records);
    }

    /** After Kafka took the records: the status change needs no further announcement. */
    void announced(Exchange exchange) {
        String settled = exchange.getProperty(SETTLED, String.class);
        if (settled != null) {
            store.markAnnounced(settled);
        }
        @SuppressWarnings("unchecked")
        List<String> announced = exchange.getProperty(ANNOUNCE, List.class);
        if (announced != null) {
            announced.forEach(store::markAnnounced);
        }
    }

    /**
     * Expires overdue commands and collects every status change not yet on Kafka: fresh timeouts, and any report
     * whose announcement failed after the command was settled.
     */
    void expireAndCollect(Exchange exchange) {
        Instant now = clock.instant();
        List<Command> pending = new ArrayList<>(store.expireOverdue(now));
        if (!pending.isEmpty()) {
            meters.counter("gateway.commands", "status", "timed_out").increment(pending.size());
        }
        // a report route settles and announces within moments; older ones it failed to announce
        store.unannounced(now.minus(ANNOUNCE_GRACE)).stream()
                .filter(command -> pending.stream().noneMatch(p -> p.commandId().equals(command.commandId())))
                .forEach(pending::add);
        List<Message> records = new ArrayList<>(pending.size());
        pending.forEach(command -> records.add(record(statusTopic, command.deviceId(), command)));
        exchange.setProperty(ANNOUNCE, pending.stream().map(Command::commandId).toList());
        exchange.getMessage().setBody(records);
    }

    private Message record(String topic, String key, Object body) {
        Message message = new DefaultMessage(camel);
        message.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
        message.setHeader(KafkaConstants.KEY, key);
        try {
            message.setBody(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a command record", e);
        }
        return message;
    }

    private Map<String, Object> parse(byte[] body) {
        if (body == null || body.length == 0) {
            return new LinkedHashMap<>();
        }
        if (body.length > MAX_REPORT_BYTES) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_REPORT,
                    "report has " + body.length + " bytes; at most " + MAX_REPORT_BYTES + " are accepted");
        }
        try {
            return json.readValue(body, OBJECT);
        } catch (IOException e) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_REPORT,
                    "report is not a JSON object such as {\"status\": \"ok\", \"value\": 75}");
        }
    }

    private static Optional<String> correlation(Exchange exchange) {
        MqttProperties properties =
                exchange.getMessage().getHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, MqttProperties.class);
        byte[] data = properties == null ? null : properties.getCorrelationData();
        return data == null || data.length == 0
                ? Optional.empty()
                : Optional.of(new String(data, StandardCharsets.UTF_8));
    }

    private static CommandStatus status(Object status) {
        if (status == null) {
            return CommandStatus.ACKED;
        }
        return switch (String.valueOf(status).toLowerCase(Locale.ROOT)) {
            case "ok", "acked", "applied" -> CommandStatus.ACKED;
            case "error", "failed", "rejected" -> CommandStatus.FAILED;
            default ->
                throw new MessageRejectedException(
                        RejectReason.INVALID_REPORT, "status '" + status + "' must be \"ok\" or \"error\"");
        };
    }

    private static String text(Object value) {
        return value == null ? null : String.valueOf(value);
    }
}
