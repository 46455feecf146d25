package io.iotgateway.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.ValidationMessage;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.GatewayExchange;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.routing.TelemetryRouter;
import io.iotgateway.telemetry.DeviceMessageKey;
import io.iotgateway.telemetry.TelemetryRecord;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.springframework.stereotype.Component;

/**
 * Validates one MQTT message and turns it into the Kafka records to publish. Every way a message can be unusable
 * ends in a {@link MessageRejectedException} with a precise reason, which the error policy dead-letters.
 */
@Component
class TelemetryIngestor {

    private static final int MAX_SCHEMA_ERRORS = 5;
    /** Well under MongoDB's document nesting limit (100), which would otherwise fail a whole write batch. */
    static final int MAX_DEPTH = 32;

    private final FamilyCatalog families;
    private final TelemetryRouter router;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final Clock clock;
    private final int maxPayloadBytes;

    TelemetryIngestor(
            FamilyCatalog families,
            TelemetryRouter router,
            ObjectMapper json,
            MeterRegistry meters,
            Clock clock,
            GatewayProperties properties) {
        this.families = families;
        this.router = router;
        this.json = json;
        this.meters = meters;
        this.clock = clock;
        this.maxPayloadBytes = properties.ingest().maxPayloadBytes();
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
        FamilyCatalog.Match match = (familyName == null ? families.resolve(topic) : families.resolve(familyName, topic))
                .orElseThrow(() -> new MessageRejectedException(
                        RejectReason.UNKNOWN_FAMILY,
                        "topic '" + topic + "' matches no device family; expected one of " + families.patterns()));
        String family = match.family().properties().name();
        exchange.setProperty(GatewayExchange.FAMILY, family);
        exchange.setProperty(GatewayExchange.DEVICE_ID, match.variables().get("deviceId"));
        meters.counter("gateway.ingest.messages", "family", family).increment();

        if (payload.length > maxPayloadBytes) {
            throw new MessageRejectedException(
                    RejectReason.PAYLOAD_TOO_LARGE,
                    "payload is " + payload.length + " bytes; the limit is " + maxPayloadBytes + " bytes");
        }
        JsonNode document = parse(payload);
        if (depth(document) > MAX_DEPTH) {
            throw new MessageRejectedException(
                    RejectReason.SCHEMA_VIOLATION, "payload nests deeper than " + MAX_DEPTH + " levels");
        }
        Set<ValidationMessage> violations = match.family().schema().validate(document);
        if (!violations.isEmpty()) {
            throw new MessageRejectedException(RejectReason.SCHEMA_VIOLATION, describe(violations));
        }

        List<TelemetryRecord> records =
                TelemetryMapper.map(match, topic, document, payload, DeviceMessageKey.of(in), receivedAt);
        exchange.setProperty(GatewayExchange.DEVICE_ID, records.get(0).deviceId());
        exchange.setProperty(TelemetryRouter.RECORDS, records);
        exchange.setProperty(TelemetryRouter.RAW_PAYLOAD, payload);
        exchange.setProperty(TelemetryRouter.VARIABLES, match.variables());
        in.setBody(router.route(records));
    }

    private JsonNode parse(byte[] payload) {
        try {
            JsonNode document = json.readTree(payload);
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
}
