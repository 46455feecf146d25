package io.iotgateway.ingest;

import io.iotgateway.hooks.TelemetryRouter;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.camel.AsyncCallback;
import org.apache.camel.AsyncProcessor;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.EventHelper;

/**
 * What the ingest route does with a device message, as one route step: validate and map it, publish its records to
 * Kafka, then call the YAML hooks. One step rather than three because every step of a route whose error handler may
 * redeliver first takes a defensive copy of the exchange (headers and properties), and the hot path paid for three.
 *
 * <p>A redelivery runs the step again from where it failed, which the exchange remembers ({@link #RESUME}): a message
 * already mapped is not mapped again, and once its records are in Kafka only the hooks are left (the hook step itself
 * resumes at the hook that failed). A message the Kafka send failed for is sent whole again, as the separate send step
 * did.
 *
 * <p>A new message is handed to its {@link IngestLanes lane}, so the MQTT client's thread goes on to the next one.
 */
final class IngestStep extends AsyncProcessorSupport {

    /**
     * Where a redelivery resumes: a {@link Publish} with the Kafka batch of the mapped records (kept because a
     * redelivery restores the original message body), or {@link Hooks#HOOKS}. One property for both: each one an exchange
     * carries costs a map entry per message, and past eleven Camel's map grows.
     */
    static final String RESUME = "gateway.ingestResume";

    private record Publish(List<?> batch) {}

    private enum Hooks {
        HOOKS
    }

    /** Validates and maps a message of a family's subscription; its body becomes the Kafka batch. */
    @FunctionalInterface
    interface Mapping {
        void map(Exchange exchange, String family);
    }

    private final Mapping mapping;
    private final String family;
    private final Supplier<AsyncProducer> telemetry;
    private final AsyncProcessor hooks;
    private final IngestLanes lanes;

    IngestStep(
            Mapping mapping,
            String family,
            Supplier<AsyncProducer> telemetry,
            AsyncProcessor hooks,
            IngestLanes lanes) {
        this.mapping = mapping;
        this.lanes = lanes;
        this.family = family;
        this.telemetry = telemetry;
        this.hooks = hooks;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Object resume = exchange.getProperty(RESUME);
        ExecutorService lane = resume == null ? lanes.laneOf(exchange, family) : null;
        if (lane == null) {
            return run(exchange, resume, callback);
        }
        try {
            // Completed from the lane, so always asynchronously as far as Camel is concerned.
            lane.execute(() -> run(exchange, null, doneSync -> callback.done(false)));
            return false;
        } catch (RejectedExecutionException e) {
            // Camel is stopping: the message is not acknowledged, and the broker delivers it again.
            exchange.setException(e);
            callback.done(true);
            return true;
        }
    }

    private boolean run(Exchange exchange, Object resume, AsyncCallback callback) {
        if (resume == null) {
            try {
                mapping.map(exchange, family);
            } catch (RuntimeException e) {
                exchange.setException(e);
                callback.done(true);
                return true;
            }
            resume = new Publish(exchange.getMessage().getBody(List.class));
            exchange.setProperty(RESUME, resume);
        }
        if (resume == Hooks.HOOKS) {
            return hooks.process(exchange, callback);
        }
        List<?> batch = ((Publish) resume).batch();
        if (batch.isEmpty()) {
            // a message that yields no record (a Sparkplug DEATH of an old session, a command): nothing to send
            return afterPublish(exchange, callback);
        }
        exchange.getMessage().setBody(batch);
        AsyncProducer producer = telemetry.get();
        Endpoint kafka = producer.getEndpoint();
        // The events a `to` would fire, which the gateway's Kafka meters (operations/ExchangeMetrics) are read from.
        CamelContext camel = exchange.getContext();
        boolean notify = camel.getCamelContextExtension().isEventNotificationApplicable()
                && EventHelper.notifyExchangeSending(camel, exchange, kafka);
        long sendingSince = notify ? System.nanoTime() : 0;
        boolean sync = producer.process(exchange, publishedSync -> {
            if (notify) {
                EventHelper.notifyExchangeSent(
                        camel, exchange, kafka, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sendingSince));
            }
            if (!publishedSync) {
                afterPublish(exchange, ignored -> callback.done(false));
            }
        });
        return sync && afterPublish(exchange, callback);
    }

    private boolean afterPublish(Exchange exchange, AsyncCallback callback) {
        if (exchange.getException() != null) {
            TelemetryRouter.forgetPlan(exchange);
            callback.done(true);
            return true;
        }
        exchange.setProperty(RESUME, Hooks.HOOKS);
        return hooks.process(exchange, callback);
    }
}
