package io.iotgateway.deadletters;

import io.iotgateway.telemetry.GatewayExchange;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * Publishes whatever the error policy gives up on to the dead-letter topic. Deliberately outside the error policy: if
 * this route fails, the failure reaches the caller rather than looping back here.
 */
@Component
class DeadLetterRoute extends RouteBuilder {

    private final DeadLetterRecords records;

    DeadLetterRoute(DeadLetterRecords records) {
        this.records = records;
    }

    @Override
    public void configure() {
        from(GatewayExchange.DEAD_LETTER_ENDPOINT)
                .routeId("errors-publish-dead-letter")
                .process(records::toRecords)
                .to("kafka:{{gateway.topics.dead-letter}}")
                .process(records::countPublished);
    }
}
