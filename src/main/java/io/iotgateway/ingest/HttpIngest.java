package io.iotgateway.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.hooks.TelemetryRouter;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.Identifiers;
import io.iotgateway.web.ApiProblems;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.support.DefaultExchange;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * HTTP ingest ({@code POST /ingest/{family}/{deviceId}}, served by the YAML route {@code routes/http-ingest.camel.yaml}
 * through {@code direct:ingest-http}): the request body goes through the very pipeline of an MQTT message of that
 * family ({@link IngestStep}: validation, identity, rate limit, mapping, the canonical records to Kafka, the YAML
 * hooks), as if published on the family's topic for that device, and the caller gets the outcome:
 *
 * <ul>
 *   <li>202 once Kafka acknowledged every record (and the hooks ran);
 *   <li>a rejected payload: its reject reason as a problem body (400; 413 too large; 403 identity; 429 rate limited),
 *       and the payload in the dead-letter topic with that reason, as on MQTT;
 *   <li>404 for a family that does not exist, 400 when the family's topic needs a variable the request lacks (both are
 *       errors in the URL, not a device message: not dead-lettered);
 *   <li>503 when Kafka did not acknowledge within {@code gateway.ingest.http-timeout}, or failed. There is no
 *       redelivery here: the caller retries. A record Kafka acknowledges after the 503 is in Kafka (delivery is at
 *       least once, as on MQTT), but it was never answered 202.
 * </ul>
 *
 * The device in the path is the one Spring Security checked the caller's device token against, so it stands in for
 * the identity an MQTT broker attaches: when an identity property is configured it is set to that device.
 */
final class HttpIngest implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(HttpIngest.class);

    /** The Camel route that runs it. */
    static final String ROUTE_ID = "ingest-receive-http-post";

    static final String ENDPOINT = "direct:ingest-http";

    /** Optional request header with the device's own message id (MQTT: user property message-id). */
    static final String MESSAGE_ID_HEADER = "X-Message-Id";

    private final Function<String, Optional<FamilyCatalog.Family>> families;
    private final Supplier<List<String>> familyNames;
    private final Executor executor;
    private final BiFunction<String, String, IngestStep> steps;
    private final Function<Exchange, CompletableFuture<Exchange>> deadLetters;
    private final String identityProperty;
    private final Duration timeout;
    private final ObjectMapper json;

    /**
     * @param families the family of a name, if there is one
     * @param familyNames every family's name (for the 404)
     * @param executor runs the ingest step, so that the request's wait is bounded even when a send blocks (a Kafka
     *     producer waits up to its max.block.ms for metadata when the brokers are gone)
     * @param steps the ingest step of a family (first argument) for one device (second)
     * @param deadLetters sends a rejected message to the dead-letter route; completes when it is there (or failed)
     */
    HttpIngest(
            Function<String, Optional<FamilyCatalog.Family>> families,
            Supplier<List<String>> familyNames,
            Executor executor,
            BiFunction<String, String, IngestStep> steps,
            Function<Exchange, CompletableFuture<Exchange>> deadLetters,
            String identityProperty,
            Duration timeout,
            ObjectMapper json) {
        this.families = families;
        this.familyNames = familyNames;
        this.executor = executor;
        this.steps = steps;
        this.deadLetters = deadLetters;
        this.identityProperty = identityProperty;
        this.timeout = timeout;
        this.json = json;
    }

    @Override
    public void process(Exchange exchange) {
        try {
            ingest(exchange);
        } catch (RuntimeException e) {
            // answered here: the calling YAML route's error policy would redeliver and dead-letter the request
            LOG.error("HTTP ingest failed: {}", e.toString(), e);
            exchange.getMessage().removeHeaders("*");
            answer(
                    exchange.getMessage(),
                    500,
                    RejectReason.PROCESSING_FAILED.code(),
                    "the gateway failed to process it");
        }
    }

    private void ingest(Exchange exchange) {
        Message in = exchange.getMessage();
        String familyName = in.getHeader("family", String.class);
        String deviceId = in.getHeader("deviceId", String.class);
        byte[] payload = in.getBody(byte[].class);
        String messageId = in.getHeader(MESSAGE_ID_HEADER, String.class);
        Map<String, Object> request = new HashMap<>(in.getHeaders());
        in.removeHeaders("*"); // nothing of the request (its Authorization least of all) goes back in the response

        Optional<FamilyCatalog.Family> family = familyName == null ? Optional.empty() : families.apply(familyName);
        if (family.isEmpty()) {
            answer(
                    in,
                    404,
                    RejectReason.UNKNOWN_FAMILY.code(),
                    "no device family '" + Identifiers.printable(String.valueOf(familyName)) + "'; expected one of "
                            + familyNames.get());
            return;
        }
        if (family.get().sparkplug()) {
            // Sparkplug B is a protocol over MQTT (sessions, seq, births): a lone HTTP payload has no place in it.
            answer(
                    in,
                    404,
                    RejectReason.UNKNOWN_FAMILY.code(),
                    "family '" + familyName + "' is Sparkplug B, which devices send over MQTT only");
            return;
        }
        String topic;
        try {
            topic = topic(family.get(), deviceId, request);
        } catch (MessageRejectedException e) {
            answer(in, 400, e.reason().code(), e.getMessage());
            return;
        }

        Exchange work = new DefaultExchange(exchange.getContext());
        work.getExchangeExtension().setFromRouteId(ROUTE_ID);
        Message message = work.getMessage();
        message.setBody(payload == null ? new byte[0] : payload);
        message.setHeader(PahoMqtt5Constants.MQTT_TOPIC, topic);
        List<UserProperty> userProperties = new ArrayList<>();
        String property = family.get().properties().identityProperty() != null
                ? family.get().properties().identityProperty()
                : identityProperty;
        if (property != null && !property.isBlank()) {
            userProperties.add(new UserProperty(property, deviceId));
        }
        if (messageId != null && !messageId.isBlank()) {
            userProperties.add(new UserProperty(TelemetryIngestor.MESSAGE_ID_PROPERTY, messageId));
        }
        if (!userProperties.isEmpty()) {
            MqttProperties mqtt = new MqttProperties();
            mqtt.setUserProperties(userProperties);
            message.setHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, mqtt);
        }
        byte[] original = message.getBody(byte[].class);
        long deadline = System.nanoTime() + timeout.toNanos();

        IngestStep step = steps.apply(family.get().name(), deviceId);
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    step.process(work, sync -> done.complete(null));
                } catch (RuntimeException e) {
                    work.setException(e);
                    done.complete(null);
                }
            });
        } catch (RejectedExecutionException e) {
            unavailable(in, "too many requests are waiting for Kafka");
            return;
        }
        if (!await(done, deadline)) {
            unavailable(in, "Kafka did not acknowledge the record within " + timeout.toMillis() + " ms");
            return;
        }
        Exception failure = work.getException();
        if (failure == null) {
            List<?> records = TelemetryRouter.records(work);
            ObjectNode body = json.createObjectNode()
                    .put("status", "accepted")
                    .put("deviceId", work.getProperty(GatewayExchange.DEVICE_ID, String.class))
                    .put("records", records == null ? 0 : records.size());
            in.setHeader(Exchange.HTTP_RESPONSE_CODE, 202);
            in.setHeader(Exchange.CONTENT_TYPE, "application/json");
            in.setBody(body.toString());
            return;
        }
        if (!(failure instanceof MessageRejectedException rejected)) {
            unavailable(in, "the record could not be written to Kafka: " + firstLine(failure));
            return;
        }
        // as the error policy does for an MQTT message: the original bytes, with the reason, to the dead-letter topic
        Exchange dead = work.copy();
        dead.setException(null);
        dead.getMessage().setBody(original);
        dead.setProperty(Exchange.EXCEPTION_CAUGHT, rejected);
        CompletableFuture<Exchange> deadLettered = deadLetters.apply(dead);
        if (!await(deadLettered, deadline)) {
            unavailable(in, "the dead-letter topic did not acknowledge the rejected payload in time");
            return;
        }
        if (dead.getException() != null) {
            unavailable(
                    in,
                    "the rejected payload could not be written to the dead-letter topic: "
                            + firstLine(dead.getException()));
            return;
        }
        answer(in, status(rejected.reason()), rejected.reason().code(), rejected.getMessage());
    }

    /** The topic the device would have published on: the family's pattern with the path's device and query values. */
    static String topic(FamilyCatalog.Family family, String deviceId, Map<String, Object> request) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String variable : family.pattern().variables()) {
            Object value = "deviceId".equals(variable) ? deviceId : request.get(variable);
            if (value == null || value.toString().isEmpty()) {
                throw new MessageRejectedException(
                        RejectReason.INVALID_TOPIC,
                        "family '" + family.name() + "' takes {" + variable + "} from its topic (" + family.pattern()
                                + "); add ?" + variable + "=... to the URL");
            }
            values.put(variable, value.toString());
        }
        TopicPattern.problem(values).ifPresent(problem -> {
            throw new MessageRejectedException(RejectReason.INVALID_TOPIC, problem);
        });
        String topic = family.pattern().toString();
        for (Map.Entry<String, String> value : values.entrySet()) {
            topic = topic.replace("{" + value.getKey() + "}", value.getValue());
        }
        return topic;
    }

    /** The check the topic makes on MQTT, for a family whose topic does not name the device (it is in the payload). */
    static void checkDevice(Exchange exchange, String deviceId) {
        String mapped = exchange.getProperty(GatewayExchange.DEVICE_ID, String.class);
        if (!deviceId.equals(mapped)) {
            throw new MessageRejectedException(
                    RejectReason.DEVICE_ID_MISMATCH,
                    "the URL is for device '" + deviceId + "' but the payload is for device '"
                            + Identifiers.printable(String.valueOf(mapped)) + "'");
        }
    }

    static int status(RejectReason reason) {
        return switch (reason) {
            case PAYLOAD_TOO_LARGE -> 413;
            case IDENTITY_MISMATCH -> 403;
            case RATE_LIMITED -> 429;
            case UNKNOWN_FAMILY -> 404;
            default -> 400;
        };
    }

    private static boolean await(CompletableFuture<?> done, long deadline) {
        try {
            done.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    private void unavailable(Message in, String detail) {
        in.setHeader("Retry-After", "5");
        answer(in, 503, "kafka-unavailable", detail + "; not accepted, retry");
    }

    private void answer(Message in, int status, String reason, String detail) {
        ProblemDetail problem = ApiProblems.of(HttpStatus.valueOf(status), reason, detail);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        in.setHeader(Exchange.CONTENT_TYPE, "application/problem+json");
        try {
            in.setBody(json.writeValueAsString(problem));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
