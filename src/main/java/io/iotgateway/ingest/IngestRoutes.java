package io.iotgateway.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.hooks.TelemetryRouter;
import io.iotgateway.mqtt.MqttSubscriptions;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.RouteIds;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.camel.AsyncProducer;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.util.function.Suppliers;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * One MQTT subscription route per device family ({@code ingest-receive-<family>}), each message handled by one
 * {@link IngestStep} on its {@link IngestLanes lane}. The paho component is set up for manual acknowledgement: a
 * message is acknowledged to the broker only when its exchange completes, i.e. after Kafka acknowledged every canonical record and every record the YAML hook routes wrote, or after the reject is in the
 * dead-letter topic.
 */
@Component
class IngestRoutes extends RouteBuilder {

    private final FamilyCatalog families;
    private final TelemetryIngestor ingestor;
    private final TelemetryRouter router;
    private final GatewayProperties.Mqtt mqtt;
    private final int laneCount;
    private volatile IngestLanes lanes = IngestLanes.NONE;
    private final String identityProperty;
    private final Duration httpTimeout;
    private final ObjectMapper json;
    /**
     * One Kafka producer for the records of every family and of replays, so they share requests; made on first use
     * (the Kafka component is configured by then) and stopped with Camel, after the routes.
     */
    private final Supplier<AsyncProducer> telemetry = Suppliers.memorize(this::startTelemetryProducer);

    private final Supplier<ProducerTemplate> deadLetters =
            Suppliers.memorize(() -> getCamelContext().createProducerTemplate());

    IngestRoutes(
            FamilyCatalog families,
            TelemetryIngestor ingestor,
            TelemetryRouter router,
            GatewayProperties properties,
            ObjectMapper json,
            @Value("${gateway.ingest.http-timeout:5s}") Duration httpTimeout) {
        this.families = families;
        this.ingestor = ingestor;
        this.router = router;
        this.mqtt = properties.mqtt();
        this.laneCount = properties.ingest().laneCount();
        this.identityProperty = properties.ingest().identityProperty();
        this.json = json;
        this.httpTimeout = httpTimeout;
    }

    @Override
    public void configure() {
        lanes = IngestLanes.of(getCamelContext(), this, laneCount, this::device);
        families.all().forEach(family -> define(this, family.name(), family.filter()));

        // Dead letters an operator replays (errors/DeadLetterReplay) take the same path as a device's message. No
        // error policy: a message rejected again is reported to the operator, and its dead letter stays where it is.
        RouteDefinition replay = from(GatewayExchange.REPLAY_ENDPOINT)
                .routeId("ingest-replay-dead-letter")
                .errorHandler(noErrorHandler());
        // On the operator's thread: a replay is one message at a time.
        replay.process(new IngestStep(ingestor::process, null, telemetry, router.hookStage(), IngestLanes.NONE));

        // HTTP ingest (routes/http-ingest.camel.yaml serves POST /ingest/{family}/{deviceId} and calls this): the same
        // step as a family's MQTT route, but the caller is answered instead of the message being redelivered, so no
        // error policy here.
        from(HttpIngest.ENDPOINT)
                .routeId(HttpIngest.ROUTE_ID)
                .errorHandler(noErrorHandler())
                .process(new HttpIngest(
                        families::get,
                        () -> families.all().stream()
                                .map(FamilyCatalog.Family::name)
                                .toList(),
                        getCamelContext().getExecutorServiceManager().newThreadPool(this, "gateway-http-ingest", 4, 64),
                        (family, deviceId) -> new IngestStep(
                                (exchange, name) -> {
                                    ingestor.process(exchange, name);
                                    HttpIngest.checkDevice(exchange, deviceId);
                                },
                                family,
                                telemetry,
                                router.hookStage(),
                                // HTTP ingest has its own threads
                                IngestLanes.NONE),
                        this::deadLetter,
                        identityProperty,
                        httpTimeout,
                        json));
    }

    /** Sends to the dead-letter route, as the error policy does for an MQTT message. */
    private CompletableFuture<Exchange> deadLetter(Exchange exchange) {
        return deadLetters.get().asyncSend(GatewayExchange.DEAD_LETTER_ENDPOINT, exchange);
    }

    /**
     * The device a topic of the family names, or null when the payload names it. The match is kept on the exchange,
     * so the lane does not match the topic against the family's pattern a second time.
     */
    private String device(Exchange exchange, String family, String topic) {
        FamilyCatalog.Match match = families.resolve(family, topic).orElse(null);
        if (match == null) {
            return null;
        }
        exchange.setProperty(TelemetryIngestor.MATCH, match);
        return match.variables().get("deviceId");
    }

    /** The ingest route of one family, for adding it at run time. */
    RouteBuilder routeFor(String name, String filter) {
        return new RouteBuilder() {
            @Override
            public void configure() {
                define(this, name, filter);
            }
        };
    }

    static String routeId(String family) {
        return RouteIds.ingest(family);
    }

    private void define(RouteBuilder builder, String name, String filter) {
        RouteDefinition subscription = builder.from(MqttSubscriptions.endpoint(filter, name, mqtt))
                .routeId(routeId(name))
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                // The body is Paho's byte array, never a stream: Camel's caching would only check it, twice per
                // message.
                .streamCache("false");
        // Validate, map, publish and run the YAML hooks: what every message of the family goes through.
        subscription.process(new IngestStep(ingestor::process, name, telemetry, router.hookStage(), lanes));
    }

    private AsyncProducer startTelemetryProducer() {
        try {
            AsyncProducer producer = TelemetryProducer.of(
                    getCamelContext().getEndpoint("kafka:{{gateway.topics.telemetry}}", KafkaEndpoint.class),
                    router::mayCallHooks);
            getCamelContext().addService(producer, true, true);
            return producer;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the Kafka producer for canonical records", e);
        }
    }
}
