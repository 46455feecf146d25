package io.iotgateway.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.AlertRuleProperties;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.KafkaHeaders;
import io.iotgateway.telemetry.TelemetryRecord;
import io.iotgateway.telemetry.TopicTemplate;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.support.DefaultMessage;
import org.springframework.stereotype.Component;

/**
 * Decides where the records of one device message go: the canonical topic, the family's seed-compatible fan-out topic
 * and, when a threshold rule fires, the alerts topic. The result is one Kafka batch, acknowledged as a whole before
 * the device message is.
 */
@Component
public class TelemetryRouter {

    private final CamelContext camel;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final GatewayProperties.Topics topics;
    private final List<AlertRuleProperties> rules;

    TelemetryRouter(CamelContext camel, ObjectMapper json, MeterRegistry meters, GatewayProperties properties) {
        this.camel = camel;
        this.json = json;
        this.meters = meters;
        this.topics = properties.topics();
        this.rules = properties.alerts();
    }

    /**
     * @param variables the topic variables of the device message
     * @param raw the device payload, forwarded untouched to the fan-out topic
     */
    public List<Message> route(
            List<TelemetryRecord> records, FamilyProperties family, Map<String, String> variables, byte[] raw) {
        List<Message> out = new ArrayList<>(records.size() + 1);
        TelemetryRecord first = records.get(0);
        for (TelemetryRecord record : records) {
            out.add(message(topics.telemetry(), record.deviceId(), toJson(record), record));
            for (AlertRuleProperties rule : rules) {
                if (fires(rule, record)) {
                    out.add(message(topics.alerts(), record.deviceId(), toJson(Alert.of(rule, record)), record));
                    meters.counter("gateway.alerts", "rule", rule.name()).increment();
                }
            }
        }
        if (family.fanOut() != null) {
            Map<String, String> values = new HashMap<>(variables);
            values.putIfAbsent("deviceId", first.deviceId());
            values.putIfAbsent("sensorType", String.valueOf(first.sensorType()));
            String key = family.fanOut().key() == null
                    ? first.deviceId()
                    : TopicTemplate.render(family.fanOut().key(), values);
            String topic = TopicTemplate.render(family.fanOut().topic(), values);
            if (!TopicTemplate.isKafkaTopic(topic)) {
                throw new MessageRejectedException(
                        RejectReason.SCHEMA_VIOLATION,
                        "ids make the fan-out topic '" + topic
                                + "', which Kafka cannot take (at most 249 letters, digits, '.', '_' or '-')");
            }
            out.add(message(topic, key, raw, first));
        }
        return out;
    }

    private static boolean fires(AlertRuleProperties rule, TelemetryRecord record) {
        if (!rule.sensorType().equals(record.sensorType())) {
            return false;
        }
        return rule.above() != null ? record.value() > rule.above() : record.value() < rule.below();
    }

    private Message message(String topic, String key, byte[] body, TelemetryRecord source) {
        Message message = new DefaultMessage(camel);
        message.setBody(body);
        message.setHeader(KafkaConstants.OVERRIDE_TOPIC, topic);
        message.setHeader(KafkaConstants.KEY, key);
        message.setHeader(KafkaHeaders.MESSAGE_ID, source.messageId());
        message.setHeader(KafkaHeaders.SOURCE_TOPIC, source.sourceTopic());
        message.setHeader(KafkaHeaders.FAMILY, source.family());
        message.setHeader(KafkaHeaders.RECEIVED_AT, source.receivedAt().toString());
        return message;
    }

    private byte[] toJson(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }
}
