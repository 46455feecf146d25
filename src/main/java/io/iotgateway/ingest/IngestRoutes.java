package io.iotgateway.ingest;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.errors.GatewayExchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * One MQTT subscription route per device-family filter ({@code ingest-mqtt-<family>}). The paho component is set up
 * for manual acknowledgement (see {@code MqttComponentSettings}): a message is acknowledged to the broker only when its
 * exchange completes, i.e. after Kafka acknowledged every record, or after the reject is in the dead-letter topic.
 */
@Component
class IngestRoutes extends RouteBuilder {

    private final FamilyCatalog families;
    private final TelemetryIngestor ingestor;
    private final GatewayProperties.Mqtt mqtt;

    IngestRoutes(FamilyCatalog families, TelemetryIngestor ingestor, GatewayProperties properties) {
        this.families = families;
        this.ingestor = ingestor;
        this.mqtt = properties.mqtt();
    }

    @Override
    public void configure() {
        families.subscriptionsByName().forEach((name, filter) -> from(MqttSubscriptions.endpoint(filter, name, mqtt))
                .routeId("ingest-mqtt-" + name)
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(ingestor)
                .to("kafka:{{gateway.topics.telemetry}}"));
    }
}
