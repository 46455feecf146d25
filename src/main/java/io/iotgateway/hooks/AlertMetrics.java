package io.iotgateway.hooks;

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
        setIgnoreExchangeAsyncProcessingStartedEvents(true);
    }

    /** Camel emits a "sent" event only for a send whose "sending" event someone took, so both are taken. */
    @Override
    public boolean isEnabled(CamelEvent event) {
        if (event instanceof CamelEvent.ExchangeSendingEvent sending) {
            return isAlertsTopic(sending.getEndpoint());
        }
        return event instanceof CamelEvent.ExchangeSentEvent sent && isAlertsTopic(sent.getEndpoint());
    }

    private boolean isAlertsTopic(org.apache.camel.Endpoint endpoint) {
        return endpoint instanceof KafkaEndpoint kafka
                && alertsTopic.equals(kafka.getConfiguration().getTopic());
    }

    @Override
    public void notify(CamelEvent event) {
        if (!(event instanceof CamelEvent.ExchangeSentEvent sent)) {
            return;
        }
        if (sent.getExchange().isFailed()
                || sent.getExchange().getMessage().getHeader(KafkaConstants.OVERRIDE_TOPIC) != null) {
            return;
        }
        String rule = sent.getExchange().getProperty("rule", "unnamed", String.class);
        meters.counter("gateway.alerts", "rule", rule).increment();
    }
}
