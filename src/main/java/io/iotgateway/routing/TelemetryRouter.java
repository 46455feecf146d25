package io.iotgateway.routing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.telemetry.KafkaHeaders;
import io.iotgateway.telemetry.TelemetryRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Predicate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.model.FilterDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.language.ExpressionDefinition;
import org.apache.camel.support.DefaultMessage;
import org.springframework.stereotype.Component;

/**
 * Where the records of one device message go. The canonical records are the core's (one Kafka batch to
 * {@code device.telemetry}); everything else (seed fan-outs, alert rules, a user's own rules) is YAML routes that hook
 * into the ingest route by the endpoint they consume from:
 *
 * <ul>
 *   <li>{@code direct:on-message-<name>}: once per accepted device message; body = the original payload bytes.
 *   <li>{@code direct:on-record-<name>}: once per canonical record; body = the canonical record JSON.
 * </ul>
 *
 * The ingest route calls every hook synchronously, after the canonical records are in Kafka and before the device
 * message is acknowledged, so a message is acknowledged only when everything the hooks wrote is in Kafka too. The hook
 * exchange carries Kafka record headers ({@code x-message-id}, {@code x-source-topic}, {@code x-family},
 * {@code x-received-at}), the key ({@code kafka.KEY} = device id) and exchange properties for rules to test:
 * {@code deviceId}, {@code sensorType}, {@code family}, {@code sourceTopic}, {@code messageId}, every topic variable,
 * and per record {@code value}, {@code unit}, {@code timestamp}.
 */
@Component
public class TelemetryRouter {

    public static final String MESSAGE_HOOK_PREFIX = "direct:on-message-";

    private static final Duration MAX_PAUSE = Duration.ofSeconds(30);
    public static final String RECORD_HOOK_PREFIX = "direct:on-record-";

    /** Exchange properties the ingest route leaves for the hooks. */
    public static final String RECORDS = "gateway.records";

    public static final String RAW_PAYLOAD = "gateway.rawPayload";
    static final String RECORD_JSON = "gateway.recordJson";
    public static final String HOOKS = "gateway.hooks";
    public static final String HOOK_COUNT = "gateway.hookCount";
    public static final String VARIABLES = "gateway.topicVariables";

    private final CamelContext camel;
    private final ObjectMapper json;
    private final String telemetryTopic;

    /** Hook endpoints by the file that declares them; ordered so every message sees the hooks in the same order. */
    private final Map<String, List<String>> hooksBySource = new TreeMap<>();

    /** Hooks whose route is being swapped: callers wait here instead of entering a route that is stopping. */
    private final Set<String> paused = ConcurrentHashMap.newKeySet();

    private final Object pauseSignal = new Object();

    private volatile List<String> messageHooks = List.of();
    private volatile List<String> recordHooks = List.of();

    /**
     * The filter a hook route starts with, by hook: tested once on the ingest exchange, so a hook that would filter the
     * message out is not called at all (no copy of the exchange, no trip through its route). The route keeps its
     * filter; this only spares the calls it would drop.
     */
    private volatile Map<String, Predicate> guards = Map.of();

    TelemetryRouter(CamelContext camel, ObjectMapper json, GatewayProperties properties) {
        this.camel = camel;
        this.json = json;
        this.telemetryTopic = properties.topics().telemetry();
    }

    /**
     * The canonical records as one Kafka batch for {@code device.telemetry}. Their JSON stays on the exchange for the
     * record hooks, so each record is serialised once.
     */
    public List<Message> route(Exchange exchange, List<TelemetryRecord> records) {
        List<Message> out = new ArrayList<>(records.size());
        List<byte[]> json = new ArrayList<>(records.size());
        for (TelemetryRecord record : records) {
            byte[] body = toJson(record);
            Message message = message(record, body);
            message.setHeader(KafkaConstants.OVERRIDE_TOPIC, telemetryTopic);
            out.add(message);
            json.add(body);
        }
        exchange.setProperty(RECORD_JSON, json);
        return out;
    }

    /** Turns the ingest exchange into what {@code direct:on-message-*} hooks receive. */
    public void toDeviceMessage(Exchange exchange) {
        List<TelemetryRecord> records = records(exchange);
        TelemetryRecord first = records.get(0);
        byte[] raw = exchange.getProperty(RAW_PAYLOAD, byte[].class);
        exchange.setMessage(message(first, raw));
        setProperties(exchange, first);
        setHooks(exchange, messageHooks);
    }

    /** Turns one split record into what {@code direct:on-record-*} hooks receive. */
    public void toRecord(Exchange exchange) {
        TelemetryRecord record = exchange.getMessage().getBody(TelemetryRecord.class);
        List<?> json = exchange.getProperty(RECORD_JSON, List.class);
        Integer index = exchange.getProperty(Exchange.SPLIT_INDEX, Integer.class);
        byte[] body = json != null && index != null && index < json.size() ? (byte[]) json.get(index) : toJson(record);
        exchange.setMessage(message(record, body));
        setProperties(exchange, record);
        exchange.setProperty("value", record.value());
        exchange.setProperty("unit", record.unit());
        exchange.setProperty("timestamp", record.timestamp().toString());
        setHooks(exchange, recordHooks);
    }

    /**
     * The hook of the current loop iteration, or none if it was unregistered since the message started (its file was
     * deleted or no longer declares it). Evaluated again on every retry.
     */
    public List<String> currentHook(Exchange exchange) {
        List<?> hooks = exchange.getProperty(HOOKS, List.class);
        Integer index = exchange.getProperty(Exchange.LOOP_INDEX, Integer.class);
        if (hooks == null || index == null || index >= hooks.size()) {
            return List.of();
        }
        String hook = (String) hooks.get(index);
        awaitResumed(hook);
        return messageHooks.contains(hook) || recordHooks.contains(hook) ? List.of(hook) : List.of();
    }

    /** Holds new calls of these hooks until {@link #resume}; calls already inside their routes carry on. */
    public void pause(Collection<String> hooks) {
        hooks.stream().map(TelemetryRouter::normalize).forEach(paused::add);
    }

    public void resume(Collection<String> hooks) {
        hooks.stream().map(TelemetryRouter::normalize).forEach(paused::remove);
        synchronized (pauseSignal) {
            pauseSignal.notifyAll();
        }
    }

    private void awaitResumed(String hook) {
        if (!paused.contains(hook)) {
            return;
        }
        long deadline = System.nanoTime() + MAX_PAUSE.toNanos();
        synchronized (pauseSignal) {
            while (paused.contains(hook)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return; // the reload is stuck; let the call go on and the error policy decide
                }
                try {
                    pauseSignal.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void setHooks(Exchange exchange, List<String> hooks) {
        Map<String, Predicate> guarded = guards;
        List<String> called = hooks;
        for (int i = 0; i < hooks.size(); i++) {
            if (!admits(guarded.get(hooks.get(i)), exchange)) {
                // the first hook to skip: from here on, collect the ones that stay
                called = new ArrayList<>(hooks.subList(0, i));
                for (int j = i + 1; j < hooks.size(); j++) {
                    if (admits(guarded.get(hooks.get(j)), exchange)) {
                        called.add(hooks.get(j));
                    }
                }
                break;
            }
        }
        exchange.setProperty(HOOKS, called);
        exchange.setProperty(HOOK_COUNT, called.size());
    }

    private static boolean admits(Predicate guard, Exchange exchange) {
        if (guard == null) {
            return true;
        }
        try {
            return guard.matches(exchange);
        } catch (RuntimeException e) {
            return true; // the hook's own route evaluates it again, under the error policy
        }
    }

    /**
     * Replaces the hooks declared by {@code source} with those among {@code consumerUris}. The reload manager calls
     * this after the new routes started, so a message never looks for a hook that is not there yet; during the swap
     * itself the caller waits at the {@code direct:} endpoint until the new consumer is up.
     */
    public synchronized void registerHooks(String source, Collection<String> consumerUris) {
        List<String> hooks = consumerUris.stream()
                .map(TelemetryRouter::normalize)
                .filter(TelemetryRouter::isHook)
                .toList();
        if (hooks.isEmpty()) {
            hooksBySource.remove(source);
        } else {
            hooksBySource.put(source, hooks);
        }
        List<String> all = hooksBySource.values().stream().flatMap(List::stream).toList();
        Map<String, Predicate> compiled = new HashMap<>();
        for (String hook : all) {
            Predicate guard = guardOf(hook);
            if (guard != null) {
                compiled.put(hook, guard);
            }
        }
        guards = compiled;
        messageHooks =
                all.stream().filter(h -> h.startsWith(MESSAGE_HOOK_PREFIX)).toList();
        recordHooks = all.stream().filter(h -> h.startsWith(RECORD_HOOK_PREFIX)).toList();
    }

    /** The predicate of the filter the hook's route starts with, or null (the route is always called). */
    private Predicate guardOf(String hook) {
        if (!(camel instanceof ModelCamelContext model)) {
            return null;
        }
        for (RouteDefinition route : model.getRouteDefinitions()) {
            if (route.getInput() == null
                    || !hook.equals(normalize(route.getInput().getEndpointUri()))
                    || route.getOutputs().isEmpty()
                    || !(route.getOutputs().get(0) instanceof FilterDefinition filter)) {
                continue;
            }
            ExpressionDefinition expression = filter.getExpression();
            if (expression == null || expression.getLanguage() == null || expression.getExpression() == null) {
                return null;
            }
            try {
                return camel.resolveLanguage(expression.getLanguage())
                        .createPredicate(camel.resolvePropertyPlaceholders(expression.getExpression()));
            } catch (RuntimeException e) {
                return null; // not one we can test up front: the route is called and decides
            }
        }
        return null;
    }

    public void unregisterHooks(String source) {
        registerHooks(source, List.of());
    }

    public static boolean isHook(String uri) {
        String normalized = normalize(uri);
        return normalized.startsWith(MESSAGE_HOOK_PREFIX) || normalized.startsWith(RECORD_HOOK_PREFIX);
    }

    private static String normalize(String uri) {
        return uri.startsWith("direct://") ? "direct:" + uri.substring("direct://".length()) : uri;
    }

    @SuppressWarnings("unchecked")
    private static List<TelemetryRecord> records(Exchange exchange) {
        return exchange.getProperty(RECORDS, List.class);
    }

    @SuppressWarnings("unchecked")
    private static void setProperties(Exchange exchange, TelemetryRecord record) {
        Map<String, String> variables = exchange.getProperty(VARIABLES, Map.class);
        if (variables != null) {
            variables.forEach(exchange::setProperty);
        }
        exchange.setProperty("deviceId", record.deviceId());
        exchange.setProperty("sensorType", record.sensorType());
        exchange.setProperty("family", record.family());
        exchange.setProperty("sourceTopic", record.sourceTopic());
        exchange.setProperty("messageId", record.messageId());
    }

    private Message message(TelemetryRecord source, byte[] body) {
        Message message = new DefaultMessage(camel);
        message.setBody(body);
        message.setHeader(KafkaConstants.KEY, source.deviceId());
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
