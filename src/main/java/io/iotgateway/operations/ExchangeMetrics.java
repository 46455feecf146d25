package io.iotgateway.operations;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.RouteIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.component.mongodb.MongoDbEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.springframework.stereotype.Component;

/**
 * Gateway meters read from Camel's exchange events, so no route has to be instrumented by hand:
 *
 * <ul>
 *   <li>{@code gateway_kafka_send_seconds{route,outcome}}: histogram of the time from handing records to the Kafka
 *       producer to the broker's acknowledgement (one device message's whole batch);
 *   <li>{@code gateway_kafka_records_sent_total{topic}}: records Kafka acknowledged, by topic (templated fan-out
 *       topics by template, see {@link TopicLabels});
 *   <li>{@code gateway_mongodb_write_seconds{outcome}}: histogram of MongoDB bulk-write time;
 *   <li>{@code gateway_device_messages_total{device}}: only with {@code gateway.metrics.device-label=true}.
 * </ul>
 */
@Component
class ExchangeMetrics extends EventNotifierSupport {

    private static final String TOPICS = "gateway.kafkaTopicLabels";
    private static final Duration MIN_EXPECTED = Duration.ofMillis(1);
    private static final Duration MAX_EXPECTED = Duration.ofSeconds(30);

    private final MeterRegistry meters;
    private final TopicLabels topics;
    private final boolean deviceLabel;

    // Found once, not built and looked up again for every exchange: this runs on the ingest path.
    private final Map<String, SendTimers> kafkaSends = new ConcurrentHashMap<>();
    private final Map<String, Timer> mongoWrites = new ConcurrentHashMap<>();
    private final Map<String, Counter> recordsSent = new ConcurrentHashMap<>();

    ExchangeMetrics(MeterRegistry meters, GatewayProperties gateway, MetricsProperties properties) {
        this.meters = meters;
        this.topics = new TopicLabels(gateway, properties.topicTemplates());
        this.deviceLabel = properties.deviceLabel();
        // Only the events this class reads; Camel skips creating the others.
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
        setIgnoreExchangeCompletedEvent(!deviceLabel);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeSentEvent
                || event instanceof CamelEvent.ExchangeSendingEvent
                || (deviceLabel && event instanceof CamelEvent.ExchangeCompletedEvent);
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent sending
                && sending.getEndpoint() instanceof KafkaEndpoint kafka) {
            sending(sending.getExchange(), kafka);
        } else if (event instanceof CamelEvent.ExchangeSentEvent sent) {
            sent(sent.getExchange(), sent.getEndpoint(), sent.getTimeTaken());
        } else if (event instanceof CamelEvent.ExchangeCompletedEvent completed) {
            Exchange exchange = completed.getExchange();
            String device = exchange.getProperty(GatewayExchange.DEVICE_ID, String.class);
            String route = exchange.getFromRouteId();
            if (device != null && RouteIds.isIngest(route)) {
                Counter.builder("gateway.device.messages")
                        .description("Device messages received, by device (opt-in: gateway.metrics.device-label)")
                        .tag("device", device)
                        .register(meters)
                        .increment();
            }
        }
    }

    private void sent(Exchange exchange, Endpoint endpoint, long millis) {
        boolean success = exchange.getException() == null;
        if (endpoint instanceof KafkaEndpoint) {
            kafkaSends
                    .computeIfAbsent(String.valueOf(exchange.getFromRouteId()), SendTimers::new)
                    .of(success)
                    .record(millis, TimeUnit.MILLISECONDS);
            if (success) {
                countRecords(exchange);
            }
        } else if (endpoint instanceof MongoDbEndpoint) {
            String outcome = outcome(success);
            mongoWrites
                    .computeIfAbsent(outcome, key -> Timer.builder("gateway.mongodb.write")
                            .description("MongoDB write time (one bulk write per batch)")
                            .tag("outcome", outcome)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(MIN_EXPECTED)
                            .maximumExpectedValue(MAX_EXPECTED)
                            .register(meters))
                    .record(millis, TimeUnit.MILLISECONDS);
        }
    }

    private static String outcome(boolean success) {
        return success ? "success" : "failure";
    }

    /** A route's Kafka send timers, one per outcome, made on first use. */
    private final class SendTimers {
        private final String route;
        private volatile Timer success;
        private volatile Timer failure;

        SendTimers(String route) {
            this.route = route;
        }

        Timer of(boolean succeeded) {
            Timer timer = succeeded ? success : failure;
            if (timer == null) {
                timer = Timer.builder("gateway.kafka.send")
                        .description("Time until Kafka acknowledged the records of one exchange")
                        .tag("route", route)
                        .tag("outcome", outcome(succeeded))
                        .publishPercentileHistogram()
                        .minimumExpectedValue(MIN_EXPECTED)
                        .maximumExpectedValue(MAX_EXPECTED)
                        .register(meters); // the registry returns the one already registered
                if (succeeded) {
                    success = timer;
                } else {
                    failure = timer;
                }
            }
            return timer;
        }
    }

    /**
     * Notes the topic of every record about to be sent: Camel's Kafka producer removes the per-record topic headers as
     * it sends, and on success all of them were acknowledged. Kept as counts per label, in the order first seen: a
     * device message's records mostly share one topic, and this runs for every message.
     */
    private void sending(Exchange exchange, KafkaEndpoint endpoint) {
        String defaultTopic = endpoint.getConfiguration().getTopic();
        Object body = exchange.getMessage().getBody();
        RecordLabels labels = new RecordLabels();
        if (body instanceof List<?> batch) {
            for (Object item : batch) {
                Message message = item instanceof Exchange single ? single.getMessage() : (Message) item;
                labels.add(label(message, defaultTopic));
            }
        } else {
            labels.add(label(exchange.getMessage(), defaultTopic));
        }
        exchange.setProperty(TOPICS, labels);
    }

    private String label(Message message, String defaultTopic) {
        String override = message.getHeader(KafkaConstants.OVERRIDE_TOPIC, String.class);
        return topics.label(override != null ? override : defaultTopic);
    }

    private void countRecords(Exchange exchange) {
        if (!(exchange.removeProperty(TOPICS) instanceof RecordLabels labels)) {
            return;
        }
        for (int i = 0; i < labels.size; i++) {
            recordsSent
                    .computeIfAbsent(labels.labels[i], topic -> Counter.builder("gateway.kafka.records.sent")
                            .description("Records Kafka acknowledged, by topic (fan-out topics by template)")
                            .tag("topic", topic)
                            .register(meters))
                    .increment(labels.counts[i]);
        }
    }

    /** Records per topic label of one exchange's send. */
    private static final class RecordLabels {
        private String[] labels = new String[2];
        private int[] counts = new int[2];
        private int size;

        void add(String label) {
            for (int i = 0; i < size; i++) {
                if (labels[i].equals(label)) {
                    counts[i]++;
                    return;
                }
            }
            if (size == labels.length) {
                labels = Arrays.copyOf(labels, size * 2);
                counts = Arrays.copyOf(counts, size * 2);
            }
            labels[size] = label;
            counts[size++] = 1;
        }
    }
}
