package io.iotgateway.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.ValidationMessage;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.hooks.TelemetryRouter;
import io.iotgateway.sparkplug.SparkplugHost;
import io.iotgateway.sparkplug.SparkplugTopic;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.Identifiers;
import io.iotgateway.telemetry.JsonPayloads;
import io.iotgateway.telemetry.KafkaHeaders;
import io.iotgateway.telemetry.MqttUserProperties;
import io.iotgateway.telemetry.TelemetryRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.DefaultMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Validates one MQTT message and turns it into the Kafka records to publish. Every way a message can be unusable
 * ends in a {@link MessageRejectedException} with a precise reason, which the error policy dead-letters.
 */
@Component
class TelemetryIngestor {

    /** MQTT 5 user property a device may set to identify a message across redeliveries. */
    static final String MESSAGE_ID_PROPERTY = "message-id";

    /** The family match of the topic when the lane was chosen by it (IngestRoutes), so it is not matched twice. */
    static final String MATCH = "gateway.ingestMatch";

    private static final int MAX_SCHEMA_ERRORS = 5;
    /** Well under MongoDB's document nesting limit (100), which would otherwise fail a whole write batch. */
    static final int MAX_DEPTH = 32;

    private final FamilyCatalog families;
    private final TelemetryRouter router;
    private final ObjectReader reader;
    private final MeterRegistry meters;
    private final Map<String, Counter> messages = new ConcurrentHashMap<>();
    private final Clock clock;
    private final int maxPayloadBytes;
    private final DeviceRateLimiter rateLimiter;
    private final String identityProperty;
    private final SparkplugHost sparkplug;
    private final String statusTopic;

    TelemetryIngestor(
            FamilyCatalog families,
            TelemetryRouter router,
            ObjectMapper json,
            MeterRegistry meters,
            Clock clock,
            GatewayProperties properties,
            DeviceRateLimiter rateLimiter,
            SparkplugHost sparkplug,
            @Value("${gateway.topics.status:device.status}") String statusTopic) {
        this.families = families;
        this.router = router;
        this.reader = JsonPayloads.strictReader(json);
        this.meters = meters;
        this.clock = clock;
        this.maxPayloadBytes = properties.ingest().maxPayloadBytes();
        this.rateLimiter = rateLimiter;
        this.identityProperty = properties.ingest().identityProperty();
        this.sparkplug = sparkplug;
        this.statusTopic = statusTopic;
    }

    /**
     * Validates and maps a message of family {@code familyName}'s subscription (null: whichever family owns the topic,
     * for a replayed dead letter); the body becomes the Kafka batch.
     */
    void process(Exchange exchange, String familyName) {
        Instant receivedAt = clock.instant();
        Message in = exchange.getMessage();
        String topic = in.getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        exchange.setProperty(GatewayExchange.RECEIVED_AT, receivedAt);
        exchange.setProperty(GatewayExchange.SOURCE_TOPIC, topic);

        byte[] payload = in.getBody(byte[].class);
        if (payload == null) {
            payload = new byte[0];
        }
        List<UserProperty> userProperties = MqttUserProperties.of(in);
        boolean replayed = exchange.getProperty(GatewayExchange.REPLAYED, false, Boolean.class);
        String messageKey = userProperty(userProperties, MESSAGE_ID_PROPERTY);
        if (messageKey != null) {
            exchange.setProperty(GatewayExchange.MESSAGE_ID, messageKey);
        }
        FamilyCatalog.Match match = exchange.removeProperty(MATCH) instanceof FamilyCatalog.Match matched
                ? matched
                : (familyName == null ? families.resolve(topic) : families.resolve(familyName, topic))
                        .orElseThrow(() -> new MessageRejectedException(
                                RejectReason.UNKNOWN_FAMILY,
                                "topic '" + Identifiers.printable(topic)
                                        + "' matches no device family; expected one of " + families.patterns()));
        String family = match.family().properties().name();
        exchange.setProperty(GatewayExchange.FAMILY, family);
        String topicDeviceId = match.variables().get("deviceId");
        exchange.setProperty(GatewayExchange.DEVICE_ID, topicDeviceId);
        messages.computeIfAbsent(family, name -> meters.counter("gateway.ingest.messages", "family", name))
                .increment();
        if (match.family().sparkplug()) {
            sparkplug(exchange, match, topic, payload, userProperties, replayed, receivedAt);
            return;
        }
        TopicPattern.problem(match.variables()).ifPresent(problem -> {
            throw new MessageRejectedException(
                    RejectReason.INVALID_TOPIC,
                    "topic '" + Identifiers.printable(topic) + "' does not fit "
                            + match.family().pattern() + ": " + problem);
        });
        // Checked as early as the device is known: before the payload costs anything when the topic names it.
        if (topicDeviceId != null) {
            admit(match.family(), topicDeviceId, userProperties, replayed);
        }

        if (payload.length > maxPayloadBytes) {
            throw new MessageRejectedException(
                    RejectReason.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes; the limit is " + maxPayloadBytes + " bytes");
        }
        // A protobuf payload becomes the JSON tree a JSON family's payload is: the same schema and mapping apply.
        ProtobufPayloads protobuf = match.family().protobuf();
        JsonNode document = protobuf == null ? parse(payload) : protobuf.decode(payload);
        if (depth(document) > MAX_DEPTH) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION, "payload nests deeper than " + MAX_DEPTH + " levels");
        }
        JsonSchema schema = match.family().schema();
        if (schema != null) {
            Set<ValidationMessage> violations = schema.validate(document);
            if (!violations.isEmpty()) {
                throw new MessageRejectedException(RejectReason.SCHEMA_VIOLATION, describe(violations));
            }
        }

        List<TelemetryRecord> records = TelemetryMapper.map(match, topic, document, payload, messageKey, receivedAt);
        exchange.setProperty(GatewayExchange.DEVICE_ID, records.get(0).deviceId());
        if (topicDeviceId == null) {
            admit(match.family(), records.get(0).deviceId(), userProperties, replayed);
        }
        in.setBody(router.route(exchange, records, payload, match.variables()));
    }

    /**
     * A Sparkplug B message: the host application ({@link SparkplugHost}) decodes it against the edge node's state; its
     * records go to the telemetry topic and its status events (BIRTH, DEATH) to the status topic, in one batch.
     */
    private void sparkplug(
            Exchange exchange,
            FamilyCatalog.Match match,
            String topic,
            byte[] payload,
            List<UserProperty> userProperties,
            boolean replayed,
            Instant receivedAt) {
        // the edge node: the MQTT client that publishes for itself and its devices
        String node = match.variables().get("deviceId");
        if (SparkplugTopic.parse(topic).isPresent()) {
            admit(match.family(), node, userProperties, replayed);
        }
        if (payload.length > maxPayloadBytes) {
            throw new MessageRejectedException(
                    RejectReason.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes; the limit is " + maxPayloadBytes + " bytes");
        }
        SparkplugHost.Result result = sparkplug.process(match.family().name(), topic, payload, receivedAt);
        if (result.deviceId() != null) {
            exchange.setProperty(GatewayExchange.DEVICE_ID, result.deviceId());
        }
        List<Message> batch = router.route(exchange, result.records(), payload, Map.of());
        for (SparkplugHost.StatusEvent status : result.statuses()) {
            Message message = new DefaultMessage(exchange.getContext());
            message.setBody(status.json());
            message.setHeader(KafkaConstants.KEY, status.deviceId());
            message.setHeader(KafkaConstants.OVERRIDE_TOPIC, statusTopic);
            message.setHeader(KafkaHeaders.SOURCE_TOPIC, topic);
            message.setHeader(KafkaHeaders.FAMILY, match.family().name());
            message.setHeader(KafkaHeaders.RECEIVED_AT, receivedAt.toString());
            batch.add(message);
        }
        exchange.getMessage().setBody(batch);
    }

    private JsonNode parse(byte[] payload) {
        String encoding = JsonPayloads.encodingProblem(payload);
        if (encoding != null) {
            throw new MessageRejectedException(RejectReason.NOT_JSON, "payload is not valid JSON: " + encoding);
        }
        try {
            JsonNode document = reader.readTree(payload);
            if (document == null || document.isMissingNode()) {
                throw new MessageRejectedException(RejectReason.NOT_JSON, "payload is empty");
            }
            if (!document.isObject()) {
                throw new MessageRejectedException(
                        RejectReason.NOT_JSON, "payload is JSON but not an object: " + document.getNodeType());
            }
            return document;
        } catch (JsonProcessingException e) {
            throw new MessageRejectedException(
                    RejectReason.NOT_JSON,
                    "payload is not valid JSON: " + e.getOriginalMessage()
                            + (e.getLocation() == null
                                    ? ""
                                    : " at byte " + e.getLocation().getByteOffset()));
        } catch (IOException e) {
            throw new MessageRejectedException(RejectReason.NOT_JSON, "payload is not valid JSON: " + e.getMessage());
        }
    }

    private static int depth(JsonNode node) {
        int deepest = 0;
        for (JsonNode child : node) {
            if (child.isContainerNode()) {
                deepest = Math.max(deepest, depth(child));
                if (deepest > MAX_DEPTH) {
                    break;
                }
            }
        }
        return deepest + 1;
    }

    private static String describe(Set<ValidationMessage> violations) {
        String listed = violations.stream()
                .limit(MAX_SCHEMA_ERRORS)
                .map(ValidationMessage::getMessage)
                .sorted()
                .collect(Collectors.joining("; "));
        int more = violations.size() - MAX_SCHEMA_ERRORS;
        return more > 0 ? listed + "; and " + more + " more" : listed;
    }

    /**
     * The device's identity (when the broker passes it) and its rate limit. The identity comes first, so a device
     * that publishes as another one cannot use up that device's allowance.
     */
    private void admit(
            FamilyCatalog.Family family, String deviceId, List<UserProperty> userProperties, boolean replayed) {
        String property = family.properties().identityProperty() != null
                ? family.properties().identityProperty()
                : identityProperty;
        if (property != null && !property.isBlank()) {
            List<String> identities = userProperties.stream()
                    .filter(p -> property.equals(p.getKey()))
                    .map(UserProperty::getValue)
                    .toList();
            // Fail closed: a message the broker did not vouch for is not accepted as anyone's.
            if (identities.isEmpty()) {
                throw new MessageRejectedException(
                        RejectReason.IDENTITY_MISMATCH,
                        "no MQTT user property '" + property + "' with the authenticated device id; expected '"
                                + deviceId + "'");
            }
            // Two values means the client added its own next to the broker's: neither can be trusted.
            if (identities.size() > 1) {
                throw new MessageRejectedException(
                        RejectReason.IDENTITY_MISMATCH,
                        identities.size() + " MQTT user properties '" + property + "'; expected exactly one");
            }
            if (!deviceId.equals(identities.get(0))) {
                throw new MessageRejectedException(
                        RejectReason.IDENTITY_MISMATCH,
                        "authenticated as '" + Identifiers.printable(identities.get(0)) + "' but publishes for device '"
                                + deviceId + "'");
            }
        }
        // An operator's replay is bounded by its own limit; the device's allowance is for what it sends.
        if (!replayed && !rateLimiter.tryAcquire(family, deviceId)) {
            GatewayProperties.RateLimit limit = rateLimiter.limitOf(family);
            throw new MessageRejectedException(
                    RejectReason.RATE_LIMITED,
                    "device '" + deviceId + "' sends more than " + limit.perDevice() + " messages per second (burst "
                            + limit.capacity() + ")");
        }
    }

    private static String userProperty(List<UserProperty> properties, String name) {
        for (UserProperty property : properties) {
            if (name.equals(property.getKey())) {
                return property.getValue();
            }
        }
        return null;
    }
}
