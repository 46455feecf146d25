package io.iotgateway.mqtt;

import io.iotgateway.config.GatewayProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The state of every MQTT subscription route (any route consuming from an MQTT endpoint, so routes added later are
 * included): health indicator {@code mqtt}, and the gauges {@code gateway_mqtt_connected{route}} and
 * {@code gateway_mqtt_inflight_messages{route}}.
 *
 * <p>With manual acknowledgement an exchange in flight on an ingest route is a message the broker has delivered and
 * the gateway has not acknowledged yet, so Camel's in-flight count is the un-acknowledged count.
 */
@Component("mqtt")
class MqttSubscriptionMonitor extends EventNotifierSupport implements HealthIndicator {

    private final ObjectProvider<CamelContext> camelContext;
    private final MeterRegistry meters;
    private final String brokerUrl;
    private final Set<String> registered = ConcurrentHashMap.newKeySet();

    // The context is looked up lazily: Camel collects event notifiers while it is itself being created.
    MqttSubscriptionMonitor(
            ObjectProvider<CamelContext> camelContext, MeterRegistry meters, GatewayProperties properties) {
        this.camelContext = camelContext;
        this.meters = meters;
        this.brokerUrl = properties.mqtt().brokerUrl();
        setIgnoreExchangeEvents(true);
    }

    @Override
    public Health health() {
        Map<String, Object> routes = new LinkedHashMap<>();
        boolean allConnected = true;
        for (Route route : camel().getRoutes()) {
            if (isMqtt(route)) {
                String state = state(route);
                routes.put(route.getRouteId(), state);
                allConnected &= "connected".equals(state);
            }
        }
        Health.Builder health = allConnected && !routes.isEmpty() ? Health.up() : Health.down();
        return health.withDetail("broker", brokerUrl)
                .withDetail("subscriptions", routes)
                .build();
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.RouteAddedEvent
                || event instanceof CamelEvent.RouteStartedEvent
                || event instanceof CamelEvent.CamelContextStartedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        // On any route event all MQTT routes get their meters, also those still waiting for the broker (so
        // gateway_mqtt_connected is 0 for them, not absent); routes added later (reloads) too. Registering is
        // idempotent.
        for (Route route : camel().getRoutes()) {
            if (isMqtt(route)) {
                register(route.getRouteId());
            }
        }
    }

    private void register(String routeId) {
        if (!registered.add(routeId)) {
            return;
        }
        Gauge.builder("gateway.mqtt.connected", this, self -> self.connected(routeId) ? 1 : 0)
                .description("1 while the route's MQTT client is connected to the broker, else 0")
                .tag("route", routeId)
                .register(meters);
        Gauge.builder("gateway.mqtt.inflight.messages", this, self -> self.inflight(routeId))
                .description("MQTT messages received and not yet acknowledged to the broker")
                .tag("route", routeId)
                .register(meters);
    }

    private boolean connected(String routeId) {
        Route route = camel().getRoute(routeId);
        return route != null && "connected".equals(state(route));
    }

    private int inflight(String routeId) {
        return camel().getInflightRepository().size(routeId);
    }

    private String state(Route route) {
        ServiceStatus status = camel().getRouteController().getRouteStatus(route.getRouteId());
        if (status == null || !status.isStarted()) {
            return "waiting to subscribe (route "
                    + (status == null ? "unknown" : status.name().toLowerCase()) + ")";
        }
        MqttClient client = route.getConsumer() instanceof PahoMqtt5Consumer consumer ? consumer.getClient() : null;
        if (client == null) {
            return "no client";
        }
        return client.isConnected() ? "connected" : "reconnecting";
    }

    private CamelContext camel() {
        return camelContext.getObject();
    }

    private static boolean isMqtt(Route route) {
        return route.getEndpoint() instanceof PahoMqtt5Endpoint;
    }
}
