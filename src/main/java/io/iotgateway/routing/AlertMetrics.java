package io.iotgateway.routing;

import io.iotgateway.config.GatewayProperties;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.springframework.stereotype.Component;

/**
 * Counts alerts ({@code gateway_alerts_total{rule}}) whatever route raised them: the rules are YAML routes that must
 * run without Spring beans (Camel K), so the count is taken here, from each successful send to the alerts topic, with
 * the rule name from the exchange property {@code rule}.
 */
@Component
class AlertMetrics extends EventNotifierSupport {

    private final MeterRegistry meters;
    private final String alertsTopic;

    AlertMetrics(MeterRegistry meters, GatewayProperties properties) {
        this.meters = meters;
        this.alertsTopic = properties.topics().alerts();
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeCompletedEvent(true);
        setIgnoreExchangeFailedEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeSentEvent sent
                && sent.getEndpoint() instanceof KafkaEndpoint kafka
                && alertsTopic.equals(kafka.getConfiguration().getTopic());
    }

    @Override
    public void notify(CamelEvent event) {
        CamelEvent.ExchangeSentEvent sent = (CamelEvent.ExchangeSentEvent) event;
        if (sent.getExchange().isFailed()
                || sent.getExchange().getMessage().getHeader(KafkaConstants.OVERRIDE_TOPIC) != null) {
            return;
        }
        String rule = sent.getExchange().getProperty("rule", "unnamed", String.class);
        meters.counter("gateway.alerts", "rule", rule).increment();
    }
}
