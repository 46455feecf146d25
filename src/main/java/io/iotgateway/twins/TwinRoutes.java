package io.iotgateway.twins;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.config.InvalidConfigurationException;
import io.iotgateway.ingest.FamilyTwinMappings;
import io.iotgateway.kafka.RecordHeaders;
import io.iotgateway.kafka.RecordHeadersIgnored;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.KafkaHeaders;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.kafka.KafkaConstants;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * The twin loop's routes. {@code twins-consume-signals} hears that a device is online (its telemetry) and what it
 * reported (command status changes, and telemetry its family maps to twin components); {@code twins-publish-twin}
 * writes a twin to the compacted topic; {@code twins-check-open} reconciles open twins and re-publishes what did not
 * reach Kafka.
 */
@Component
@ConditionalOnProperty(name = "gateway.twins.enabled", havingValue = "true", matchIfMissing = true)
class TwinRoutes extends RouteBuilder {

    private final TwinService service;
    private final TwinTopic topic;
    private final FamilyTwinMappings families;
    private final String telemetryTopic;
    private final String statusTopic;

    TwinRoutes(
            TwinService service,
            TwinTopic topic,
            FamilyTwinMappings families,
            GatewayProperties gateway,
            @Value("${gateway.commands.status-topic}") String statusTopic,
            @Value("${gateway.commands.enabled:true}") boolean commandsEnabled) {
        if (!commandsEnabled) {
            // Twins reach devices only through commands: without them every desired value would wait forever.
            throw new InvalidConfigurationException(
                    "gateway.twins.enabled",
                    "device twins send desired values as commands, so they need gateway.commands.enabled=true;"
                            + " set GATEWAY_TWINS_ENABLED=false too, or GATEWAY_COMMANDS_ENABLED=true");
        }
        this.service = service;
        this.topic = topic;
        this.families = families;
        this.telemetryTopic = gateway.topics().telemetry();
        this.statusTopic = statusTopic;
    }

    @Override
    public void configure() {
        // Before any route starts: a consumer subscribing first would have the broker create the topic uncompacted.
        topic.ensure();

        // A shared group: each device's records reach one replica. From the latest offset: telemetry from before
        // this group existed says nothing about whether the device is online now.
        from("kafka:" + telemetryTopic + "," + statusTopic
                        + "?groupId={{gateway.twins.group-id}}&autoOffsetReset=latest"
                        // Each poll's records as one exchange (no wait for a fuller batch): every telemetry record
                        // passes here, and one routed exchange per poll costs less than one per record. A batch
                        // redelivered after a failure is signalled again, which the twin loop takes as it would
                        // the same signals twice.
                        + "&batching=true&maxPollRecords=500"
                        + RecordHeadersIgnored.OPTION)
                .routeId("twins-consume-signals")
                .routeConfigurationId(GatewayExchange.ERROR_POLICY)
                .process(batch -> {
                    for (Object record : batch.getMessage().getBody(List.class)) {
                        signal((Exchange) record);
                    }
                });

        // Outside the error policy: the service logs a failed publish and the sweep sends the twin again.
        from(TwinService.PUBLISH_ENDPOINT).routeId("twins-publish-twin").to("kafka:{{gateway.twins.topic}}");

        // Not under the error policy: a failed round (MongoDB or Kafka down) is logged and simply runs again.
        from("timer:twins-sweep?period={{gateway.twins.sweep-interval}}&delay=1000")
                .routeId("twins-check-open")
                .process(exchange -> {
                    topic.ensure();
                    service.sweep();
                });
    }

    private void signal(Exchange exchange) {
        String source = exchange.getMessage().getHeader(KafkaConstants.TOPIC, String.class);
        if (statusTopic.equals(source)) {
            service.onCommandStatus(exchange.getMessage().getBody(byte[].class));
        } else {
            String deviceId = exchange.getMessage().getHeader(KafkaConstants.KEY, String.class);
            // Only a family that maps telemetry to components costs a parse of the record.
            Map<String, String> components =
                    families.reportedComponents(RecordHeaders.text(exchange, KafkaHeaders.FAMILY));
            if (!components.isEmpty()) {
                service.onReportingTelemetry(
                        deviceId, components, exchange.getMessage().getBody(byte[].class));
            }
            service.onTelemetry(deviceId);
        }
    }
}
