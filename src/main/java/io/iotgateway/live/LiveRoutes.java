package io.iotgateway.live;

import io.iotgateway.kafka.RecordHeadersIgnored;
import java.util.UUID;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * {@code live-consume-events}: telemetry, alerts, command status changes, workout sessions and twin changes
 * from Kafka to the live clients.
 *
 * <p>Each instance reads everything with a consumer group of its own, from the latest offset, and commits nothing:
 * the live view is a window on the topics, not one of their consumers of record. It is not under the error policy for
 * the same reason: a record it cannot show stays in Kafka for persistence and the dead-letter handling there.
 */
@Component
@ConditionalOnProperty(name = "gateway.live.enabled", havingValue = "true", matchIfMissing = true)
class LiveRoutes extends RouteBuilder {

    private final LiveEventBus bus;

    LiveRoutes(LiveEventBus bus) {
        this.bus = bus;
    }

    @Override
    public void configure() {
        from("kafka:" + String.join(",", bus.topics())
                        + "?groupId=iot-gateway-live-" + UUID.randomUUID()
                        + "&autoOffsetReset=latest"
                        + "&autoCommitEnable=false"
                        // Each poll's records as one exchange (no wait for a fuller batch): every telemetry record
                        // passes here, and one routed exchange per poll costs less than one per record.
                        + "&batching=true"
                        + "&maxPollRecords=500"
                        + RecordHeadersIgnored.OPTION)
                .routeId("live-consume-events")
                .process(bus::fromKafkaBatch);
    }
}
