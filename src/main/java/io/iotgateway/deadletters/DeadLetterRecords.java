package io.iotgateway.deadletters;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.kafka.KafkaBatchOffsets;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.KafkaHeaders;
import io.iotgateway.telemetry.MqttUserProperties;
import io.iotgateway.telemetry.RouteIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.ValidationException;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.DefaultMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Component;

/**
 * Turns a failed exchange into dead-letter records: the original bytes, keyed by device id where known, with the
 * reason in headers. A batch from Kafka becomes one record per original record.
 */
@Component
class DeadLetterRecords {

    static final String METER = "gateway.dead.letters";
    static final String HEADER_REASON = "x-error-reason";
    static final String HEADER_DETAIL = "x-error-detail";
    static final String HEADER_TRUNCATED = "x-original-size";
    static final String HEADER_MESSAGE_ID = "x-message-id";
    /** A device-chosen id is copied only this far, so it cannot make the record too large for Kafka. */
    private static final int MAX_MESSAGE_ID_CHARS = 256;
    /** Set on the records that hold a device's message exactly as MQTT delivered it: those can be replayed. */
    static final String HEADER_REPLAYABLE = "x-replayable";
    /** The message's MQTT 5 user properties (JSON pairs), so a replay presents them as the device sent them. */
    static final String HEADER_USER_PROPERTIES = "x-mqtt-user-properties";
    /** Beyond this the properties are not kept, and the record is not replayable. */
    private static final int MAX_USER_PROPERTIES_CHARS = 4096;

    private static final String REASON_PROPERTY = "gateway.deadLetterReason";
    private static final String BATCH_PROPERTY = "gateway.deadLetterBatch";
    private static final int MAX_DETAIL_CHARS = 1000;

    private final MeterRegistry meters;
    private final ObjectMapper json;
    private final Clock clock;
    private final int maxBodyBytes;

    DeadLetterRecords(MeterRegistry meters, Clock clock, GatewayProperties properties, ObjectMapper json) {
        this.meters = meters;
        this.json = json;
        this.clock = clock;
        this.maxBodyBytes = properties.ingest().deadLetterMaxBytes();
    }

    void toRecords(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        RejectReason reason = cause instanceof MessageRejectedException rejected
                ? rejected.reason()
                : cause instanceof ValidationException ? RejectReason.SCHEMA_VIOLATION : RejectReason.PROCESSING_FAILED;
        String detail = describe(cause);
        exchange.setProperty(REASON_PROPERTY, reason);

        List<Message> out = new ArrayList<>();
        Object body = exchange.getMessage().getBody();
        if (KafkaBatchOffsets.isBatch(body)) {
            List<?> batch = (List<?>) body;
            exchange.setProperty(BATCH_PROPERTY, batch);
            for (Object item : batch) {
                Exchange record = (Exchange) item;
                Message message = record.getMessage();
                out.add(record(
                        exchange,
                        message.getBody(byte[].class),
                        message.getHeader(KafkaConstants.KEY, String.class),
                        message.getHeader(KafkaConstants.TOPIC, String.class),
                        null,
                        false,
                        reason,
                        detail));
            }
        } else {
            String sourceTopic = exchange.getProperty(GatewayExchange.SOURCE_TOPIC, String.class);
            if (sourceTopic == null) {
                sourceTopic = exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
            }
            out.add(record(
                    exchange,
                    exchange.getMessage().getBody(byte[].class),
                    exchange.getProperty(GatewayExchange.DEVICE_ID, String.class),
                    sourceTopic,
                    exchange.getProperty(GatewayExchange.FAMILY, String.class),
                    isDeviceMessage(exchange),
                    reason,
                    detail));
        }
        exchange.getMessage().setBody(out);
    }

    void countPublished(Exchange exchange) {
        RejectReason reason = exchange.getProperty(REASON_PROPERTY, RejectReason.class);
        int count = exchange.getMessage().getBody(List.class).size();
        Counter.builder(METER)
                .description("Messages published to the dead-letter topic")
                .tag("reason", reason.code())
                .register(meters)
                .increment(count);
        List<?> batch = exchange.getProperty(BATCH_PROPERTY, List.class);
        if (batch != null) {
            // the batch's records are safe in the dead-letter topic: move the consumer past them
            KafkaBatchOffsets.commit(batch);
        }
    }

    private Message record(
            Exchange exchange,
            byte[] payload,
            String key,
            String sourceTopic,
            String family,
            boolean replayable,
            RejectReason reason,
            String detail) {
        byte[] body = payload == null ? new byte[0] : payload;
        Message message = new DefaultMessage(exchange.getContext());
        if (body.length > maxBodyBytes) {
            // Keep the record under Kafka's size limit; otherwise it could never be dead-lettered at all.
            message.setHeader(HEADER_TRUNCATED, String.valueOf(body.length));
            body = Arrays.copyOf(body, maxBodyBytes);
        }
        message.setBody(body);
        if (key != null) {
            message.setHeader(KafkaConstants.KEY, key);
        }
        message.setHeader(HEADER_REASON, reason.code());
        message.setHeader(HEADER_DETAIL, detail);
        message.setHeader(KafkaHeaders.SOURCE_TOPIC, sourceTopic == null ? "" : sourceTopic);
        Instant receivedAt = exchange.getProperty(GatewayExchange.RECEIVED_AT, Instant.class);
        message.setHeader(KafkaHeaders.RECEIVED_AT, (receivedAt == null ? clock.instant() : receivedAt).toString());
        if (family != null) {
            message.setHeader(KafkaHeaders.FAMILY, family);
        }
        String messageId = exchange.getProperty(GatewayExchange.MESSAGE_ID, String.class);
        if (messageId != null) {
            message.setHeader(
                    HEADER_MESSAGE_ID,
                    messageId.length() <= MAX_MESSAGE_ID_CHARS
                            ? messageId
                            : messageId.substring(0, MAX_MESSAGE_ID_CHARS));
        }
        String userProperties = replayable ? userProperties(exchange.getMessage()) : null;
        // a truncated body is not the message any more
        if (replayable && userProperties != null && message.getHeader(HEADER_TRUNCATED) == null) {
            message.setHeader(HEADER_REPLAYABLE, "true");
            if (!userProperties.isEmpty()) {
                message.setHeader(HEADER_USER_PROPERTIES, userProperties);
            }
        }
        return message;
    }

    /**
     * Whether the failed exchange still holds the device's message as an ingest route received it from MQTT. A YAML
     * hook works on a derived message (no MQTT headers); a report or command route is not telemetry.
     */
    private static boolean isDeviceMessage(Exchange exchange) {
        String route = exchange.getFromRouteId();
        return route != null
                && route.startsWith(RouteIds.INGEST_RECEIVE_PREFIX)
                && exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC) != null;
    }

    /** The MQTT user properties as JSON pairs ("" when none), or null when they are too large to keep. */
    private String userProperties(Message mqtt) {
        List<UserProperty> properties = MqttUserProperties.of(mqtt);
        if (properties.isEmpty()) {
            return "";
        }
        List<List<String>> pairs =
                properties.stream().map(p -> List.of(p.getKey(), p.getValue())).toList();
        try {
            String text = json.writeValueAsString(pairs);
            return text.length() <= MAX_USER_PROPERTIES_CHARS ? text : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** The user properties a dead letter kept ({@link #HEADER_USER_PROPERTIES}). */
    static List<UserProperty> userProperties(ObjectMapper json, String header) throws JsonProcessingException {
        if (header == null || header.isEmpty()) {
            return List.of();
        }
        List<List<String>> pairs = json.readValue(header, new TypeReference<List<List<String>>>() {});
        return pairs.stream().map(p -> new UserProperty(p.get(0), p.get(1))).toList();
    }

    /** The reason as an operator reads it: the exception's own words, never a stack trace. */
    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown failure";
        }
        if (cause instanceof MessageRejectedException) {
            return truncate(cause.getMessage());
        }
        if (cause instanceof ValidationException && cause.getMessage() != null) {
            // Camel appends the whole exchange; the operator needs the check that failed
            String message = cause.getMessage();
            int exchange = message.indexOf(". Exchange[");
            return truncate(exchange < 0 ? message : message.substring(0, exchange));
        }
        Throwable root = NestedExceptionUtils.getMostSpecificCause(cause);
        String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return truncate(text);
    }

    private static String truncate(String text) {
        return text.length() <= MAX_DETAIL_CHARS ? text : text.substring(0, MAX_DETAIL_CHARS) + "...";
    }
}
