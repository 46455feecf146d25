package io.iotgateway.analytics;

import org.apache.kafka.streams.KafkaStreams;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * {@code analytics} in {@code /actuator/health}: up while the streams run or rebalance, down when they stopped or
 * failed (all stream threads died), so an orchestrator restarts the instance.
 */
@Component("analytics")
@ConditionalOnProperty(name = "gateway.analytics.enabled", havingValue = "true", matchIfMissing = true)
class AnalyticsHealthIndicator extends AbstractHealthIndicator {

    private final AnalyticsStreams streams;

    AnalyticsHealthIndicator(AnalyticsStreams streams) {
        this.streams = streams;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        if (streams.waitingForSourceTopic()) {
            // a fresh cluster before the first telemetry record: nothing to analyse yet, nothing wrong
            health.up().withDetail("state", "WAITING_FOR_SOURCE_TOPIC");
            return;
        }
        KafkaStreams.State state = streams.state();
        if (state == KafkaStreams.State.RUNNING
                || state == KafkaStreams.State.REBALANCING
                || state == KafkaStreams.State.CREATED) {
            health.up();
        } else {
            health.down();
        }
        health.withDetail("state", state == null ? "STOPPED" : state.name());
    }
}
