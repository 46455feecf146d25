package io.iotgateway.ingest;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.GatewayExchange;
import io.iotgateway.routing.TelemetryRouter;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * One MQTT subscription route per device family ({@code ingest-mqtt-<family>}). The paho component is set up for
 * manual acknowledgement: a message is acknowledged to the broker only when its exchange completes, i.e. after Kafka
 * acknowledged every canonical record and every record the YAML hook routes wrote, or after the reject is in the
 * dead-letter topic.
 */
@Component
class IngestRoutes extends RouteBuilder {

    static final String ROUTE_PREFIX = "ingest-mqtt-";

    private final FamilyCatalog families;
    private final TelemetryIngestor ingestor;
    private final TelemetryRouter router;
    private final GatewayProperties.Mqtt mqtt;

    IngestRoutes(
            FamilyCatalog families, TelemetryIngestor ingestor, TelemetryRouter router, GatewayProperties properties) {
        this.families = families;
        this.ingestor = ingestor;
        this.router = router;
        this.mqtt = properties.mqtt();
    }

    @Override
    public void configure() {
        families.all().forEach(family -> define(this, family.name(), family.filter()));
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
        return ROUTE_PREFIX + family;
    }

    private void define(RouteBuilder builder, String name, String filter) {
        builder.from(MqttSubscriptions.endpoint(filter, name, mqtt))
                .routeId(routeId(name))
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(exchange -> ingestor.process(exchange, name))
                .to("kafka:{{gateway.topics.telemetry}}")
                // The YAML hook routes, synchronously: the message is acknowledged after their writes too. One hook
                // per loop iteration, each on a fresh copy, so a retry (e.g. a hook caught mid-reload) repeats only
                // the hook that failed, never one that already wrote.
                .process(router::toDeviceMessage)
                .loop(builder.exchangeProperty(TelemetryRouter.HOOK_COUNT))
                .copy()
                .recipientList(builder.method(router, "currentHook"))
                .end()
                .end()
                .split(builder.exchangeProperty(TelemetryRouter.RECORDS))
                .stopOnException()
                .process(router::toRecord)
                .loop(builder.exchangeProperty(TelemetryRouter.HOOK_COUNT))
                .copy()
                .recipientList(builder.method(router, "currentHook"))
                .end()
                .end()
                .end();
    }
}
