package io.iotgateway.hooks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.Instants;
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
import org.apache.camel.AsyncProcessor;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Predicate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.model.FilterDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.language.ExpressionDefinition;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.DefaultMessage;
import org.apache.camel.support.service.ServiceHelper;
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

    /** The exchange property the ingest route leaves for the hooks: a {@link Mapped}. */
    static final String MAPPED = "gateway.mapped";

    /**
     * What a mapped device message leaves for its hooks: its canonical records, each record's JSON (serialised once,
     * for Kafka and the record hooks), the payload as received and the variables of its topic. One exchange property
     * rather than four: each one costs a map entry per message, and past eleven Camel's property map grows.
     */
    record Mapped(List<TelemetryRecord> records, List<byte[]> json, byte[] payload, Map<String, String> variables) {}

    /** What the dead-letter channel reads, passed on to a hook so a hook's reject is reported like the message's. */
    private static final List<String> DEAD_LETTER_CONTEXT = List.of(
            GatewayExchange.RECEIVED_AT,
            GatewayExchange.SOURCE_TOPIC,
            GatewayExchange.DEVICE_ID,
            GatewayExchange.FAMILY,
            GatewayExchange.MESSAGE_ID);

    private final CamelContext camel;
    private final ObjectMapper json;

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
    private volatile Map<String, Guard> guards = Map.of();

    /** A hook's filter: the tests read from it, checked on the record first, and the predicate itself. */
    private record Guard(GuardPrescreen prescreen, Predicate predicate) {}

    /** A started producer per hook endpoint, made on first use and dropped when the hook is unregistered. */
    private final Map<String, AsyncProducer> producers = new ConcurrentHashMap<>();

    private final HookStage hookStage = new HookStage(this);

    TelemetryRouter(CamelContext camel, ObjectMapper json) {
        this.camel = camel;
        this.json = json;
    }

    /**
     * The canonical records of a device message ({@code payload}, on a topic with {@code variables}) as one Kafka
     * batch for {@code device.telemetry}. Their JSON stays on the exchange for the record hooks, so each record is
     * serialised once.
     */
    public List<Message> route(
            Exchange exchange, List<TelemetryRecord> records, byte[] payload, Map<String, String> variables) {
        List<Message> out = new ArrayList<>(records.size());
        List<byte[]> json = new ArrayList<>(records.size());
        for (TelemetryRecord record : records) {
            byte[] body = record.toJson(this.json);
            // no topic header: the telemetry producer's endpoint is the telemetry topic
            out.add(message(record, body));
            json.add(body);
        }
        exchange.setProperty(MAPPED, new Mapped(records, json, payload, variables));
        // Planned now, on the thread that mapped the message, so once Kafka has the records the route knows whether
        // anything is left that may wait (ingest/TelemetryProducer).
        exchange.setProperty(HookStage.CALLS, plan(exchange));
        return out;
    }

    /**
     * Drops the message's plan, so its retry plans again with the hooks in force by then: a failed Kafka send can hold
     * a message for a long time (an outage), and a hook deployed meanwhile must not be missed.
     */
    public static void forgetPlan(Exchange exchange) {
        exchange.removeProperty(HookStage.CALLS);
    }

    /** False once the message's hooks are planned and none is to be called. */
    public boolean mayCallHooks(Exchange exchange) {
        List<?> calls = exchange.getProperty(HookStage.CALLS, List.class);
        return calls == null || !calls.isEmpty();
    }

    /** The last step of the ingest route: the hooks that admit the message, each called once. */
    public AsyncProcessor hookStage() {
        return hookStage;
    }

    /**
     * One hook to call for a message: on the device message ({@code record} = -1) or on one of its records. The first
     * call admitted for a message or record takes the exchange its guard was tested on, so it is not built twice.
     */
    static final class HookCall {
        private final String hook;
        private final int record;
        private Exchange prepared;

        HookCall(String hook, int record, Exchange prepared) {
            this.hook = hook;
            this.record = record;
            this.prepared = prepared;
        }

        String hook() {
            return hook;
        }

        int record() {
            return record;
        }

        /** The exchange prepared for this call, once; null when there is none or it was taken (a retry). */
        synchronized Exchange takePrepared() {
            Exchange taken = prepared;
            prepared = null;
            return taken;
        }
    }

    /**
     * The hooks to call for the ingest exchange, in order: the message hooks, then per record the record hooks. A hook
     * whose route starts with a filter the message or record cannot pass is left out, so it costs nothing.
     */
    List<HookCall> plan(Exchange exchange) {
        List<String> onMessage = messageHooks;
        List<String> onRecord = recordHooks;
        if (onMessage.isEmpty() && onRecord.isEmpty()) {
            return List.of();
        }
        Map<String, Guard> guarded = guards;
        List<TelemetryRecord> records = records(exchange);
        if (records.isEmpty()) {
            // hooks see a message through its records (a Sparkplug DEATH or command has none)
            return List.of();
        }
        List<HookCall> calls = new ArrayList<>();
        if (!onMessage.isEmpty()) {
            addAdmitted(calls, onMessage, guarded, exchange, records, -1);
        }
        if (!onRecord.isEmpty()) {
            for (int i = 0; i < records.size(); i++) {
                addAdmitted(calls, onRecord, guarded, exchange, records, i);
            }
        }
        return calls;
    }

    private void addAdmitted(
            List<HookCall> calls,
            List<String> hooks,
            Map<String, Guard> guarded,
            Exchange exchange,
            List<TelemetryRecord> records,
            int record) {
        TelemetryRecord source = records.get(Math.max(record, 0));
        Exchange view = null;
        boolean viewTaken = false;
        for (String hook : hooks) {
            Guard guard = guarded.get(hook);
            if (guard != null && !guard.prescreen().mayAdmit(source)) {
                continue;
            }
            if (guard != null && view == null) {
                view = hookExchange(exchange, record);
            }
            if (admits(guard == null ? null : guard.predicate(), view)) {
                // A guard only reads the view, so the first admitted call can be given it.
                calls.add(new HookCall(hook, record, viewTaken ? null : view));
                viewTaken |= view != null;
            }
        }
    }

    /**
     * What a hook receives, built fresh for every call: the original payload for a message hook, the record's JSON for
     * a record hook; the record headers and the properties rules test; and what the dead-letter channel needs to know.
     */
    Exchange hookExchange(Exchange ingest, int record) {
        List<TelemetryRecord> records = records(ingest);
        TelemetryRecord source = records.get(Math.max(record, 0));
        Exchange hook = new DefaultExchange(camel);
        for (String known : DEAD_LETTER_CONTEXT) {
            Object value = ingest.getProperty(known);
            if (value != null) {
                hook.setProperty(known, value);
            }
        }
        Mapped mapped = ingest.getProperty(MAPPED, Mapped.class);
        if (record < 0) {
            hook.setMessage(message(source, mapped.payload()));
        } else {
            hook.setMessage(message(source, mapped.json().get(record)));
            hook.setProperty("value", source.value());
            hook.setProperty("unit", source.unit());
            hook.setProperty("timestamp", Instants.format(source.timestamp()));
        }
        setProperties(hook, mapped.variables(), source);
        return hook;
    }

    /**
     * The producer for a hook, or null if the hook was unregistered since the message started. Waits (bounded) while
     * the hook's route is being swapped.
     */
    AsyncProducer producerFor(String hook) {
        awaitResumed(hook);
        if (!messageHooks.contains(hook) && !recordHooks.contains(hook)) {
            return null;
        }
        return producers.computeIfAbsent(hook, this::startProducer);
    }

    private AsyncProducer startProducer(String hook) {
        try {
            AsyncProducer producer = camel.getEndpoint(hook).createAsyncProducer();
            ServiceHelper.startService(producer);
            return producer;
        } catch (Exception e) {
            throw new IllegalStateException("cannot call hook " + hook, e);
        }
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
        Map<String, Guard> compiled = new HashMap<>();
        for (String hook : all) {
            Guard guard = guardOf(hook);
            if (guard != null) {
                compiled.put(hook, guard);
            }
        }
        guards = compiled;
        messageHooks =
                all.stream().filter(h -> h.startsWith(MESSAGE_HOOK_PREFIX)).toList();
        recordHooks = all.stream().filter(h -> h.startsWith(RECORD_HOOK_PREFIX)).toList();
        producers.keySet().removeIf(hook -> !all.contains(hook));
    }

    /** The predicate of the filter the hook's route starts with, or null (the route is always called). */
    private Guard guardOf(String hook) {
        if (!(camel instanceof ModelCamelContext model)) {
            return null;
        }
        for (RouteDefinition route : model.getRouteDefinitions()) {
            if (route.getInput() == null
                    || !hook.equals(normalize(route.getInput().getEndpointUri()))
                    || !(firstStep(route) instanceof FilterDefinition filter)) {
                continue;
            }
            ExpressionDefinition expression = filter.getExpression();
            if (expression == null || expression.getLanguage() == null || expression.getExpression() == null) {
                return null;
            }
            try {
                String text = camel.resolvePropertyPlaceholders(expression.getExpression());
                return new Guard(
                        GuardPrescreen.of(expression.getLanguage(), text),
                        camel.resolveLanguage(expression.getLanguage()).createPredicate(text));
            } catch (RuntimeException e) {
                return null; // not one we can test up front: the route is called and decides
            }
        }
        return null;
    }

    /**
     * The route's first processing step. Once the route configuration is applied (at start), its onException clauses
     * come first in the outputs; they are not steps a message goes through.
     */
    private static ProcessorDefinition<?> firstStep(RouteDefinition route) {
        for (ProcessorDefinition<?> output : route.getOutputs()) {
            if (!output.isAbstract()) {
                return output;
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

    /**
     * An endpoint uri in its {@code scheme:rest} form: Camel reports {@code direct://x} where a route says
     * {@code direct:x}, and both must name the same hook or consumer.
     */
    public static String normalize(String uri) {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        return scheme > 0 && scheme == uri.indexOf(':')
                ? uri.substring(0, scheme) + ":" + uri.substring(scheme + 3)
                : uri;
    }

    /** The canonical records the ingest route mapped the exchange's message to, or null before it was mapped. */
    public static List<TelemetryRecord> records(Exchange exchange) {
        Mapped mapped = exchange.getProperty(MAPPED, Mapped.class);
        return mapped == null ? null : mapped.records();
    }

    private static void setProperties(Exchange exchange, Map<?, ?> variables, TelemetryRecord record) {
        if (variables != null) {
            variables.forEach((name, value) -> exchange.setProperty((String) name, value));
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
        message.setHeader(KafkaHeaders.RECEIVED_AT, Instants.format(source.receivedAt()));
        return message;
    }
}
