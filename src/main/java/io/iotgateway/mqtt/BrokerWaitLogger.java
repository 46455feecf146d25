package io.iotgateway.mqtt;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.telemetry.RouteIds;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Component;

/**
 * Says plainly what the gateway waits for while the MQTT broker is unreachable, and when it is back. The supervising
 * route controller keeps retrying; this only translates its events for the operator.
 */
@Component
class BrokerWaitLogger extends EventNotifierSupport {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerWaitLogger.class);

    private final String brokerUrl;

    BrokerWaitLogger(GatewayProperties properties) {
        this.brokerUrl = properties.mqtt().brokerUrl();
        setIgnoreExchangeEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.RouteRestartingFailureEvent || event instanceof CamelEvent.RouteStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        if (event instanceof CamelEvent.RouteRestartingFailureEvent failure && isIngest(failure)) {
            Throwable cause = failure.getCause();
            LOG.warn(
                    "Waiting for MQTT broker {}: route {} cannot subscribe ({}); attempt {}, retrying with back-off",
                    brokerUrl,
                    failure.getRoute().getRouteId(),
                    reason(cause),
                    failure.getAttempt());
        } else if (event instanceof CamelEvent.RouteStartedEvent started && isIngest(started)) {
            LOG.info(
                    "Subscribed to MQTT broker {}: route {}",
                    brokerUrl,
                    started.getRoute().getRouteId());
        }
    }

    /**
     * Paho wraps TLS failures in a generic "Unable to connect ... RC: 0": the root cause (an untrusted certificate, a
     * host name mismatch) is what an operator needs, so it is added.
     */
    static String reason(Throwable cause) {
        if (cause == null) {
            return "unknown cause";
        }
        Throwable root = NestedExceptionUtils.getMostSpecificCause(cause);
        return root == cause || root.getMessage() == null
                ? cause.getMessage()
                : cause.getMessage() + "; cause: " + root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    private static boolean isIngest(CamelEvent.RouteEvent event) {
        return event.getRoute().getRouteId().startsWith(RouteIds.INGEST_RECEIVE_PREFIX)
                && event.getRoute().getEndpoint().getEndpointUri().startsWith(SessionSafeMqttComponent.SCHEME + ":");
    }
}
