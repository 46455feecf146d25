package io.iotgateway.mqtt;

import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ModelLifecycleStrategySupport;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.stereotype.Component;

/**
 * Every route that consumes from an MQTT broker starts after every other route, and so (Camel stops routes in reverse
 * start order) stops before them.
 *
 * <p>With a persistent session the broker pours the queued backlog into a subscription the moment it connects. Were
 * that before the YAML hook routes, the error route or a Kamelet route had started, every message would wait at a
 * {@code direct:} endpoint with no consumer; the Paho callback thread waits with them, Paho stops reading the socket,
 * the SUBACK the starting route waits for is never read, and the start-up thread that would start the missing routes
 * hangs for good. The supervising route controller starts routes by their startup order (routes without one come
 * last, in the order they were added), so every route gets one: MQTT consumers from a range above all others.
 * Routes added later (reloads, Kamelets) get theirs when they are added.
 */
@Component
class MqttConsumersStartLast extends ModelLifecycleStrategySupport implements CamelContextConfiguration {

    /** Users who set a startup order of their own use small numbers; these ranges stay clear of them. */
    static final int FIRST_ORDER = 100_000;

    static final int FIRST_MQTT_ORDER = 1_000_000_000;

    private static final Set<String> MQTT_SCHEMES = Set.of(SessionSafeMqttComponent.SCHEME, "paho-mqtt5", "paho");

    private final AtomicInteger nextOrder = new AtomicInteger(FIRST_ORDER);
    private final AtomicInteger nextMqttOrder = new AtomicInteger(FIRST_MQTT_ORDER);

    @Override
    public void beforeApplicationStart(CamelContext camel) {
        ModelCamelContext model = (ModelCamelContext) camel;
        // Java DSL routes are already in the model; YAML routes and Kamelets are added after this.
        model.getRouteDefinitions().forEach(this::onAddRouteDefinition);
        model.addModelLifecycleStrategy(this);
    }

    @Override
    public void afterApplicationStart(CamelContext camel) {}

    @Override
    public void onAddRouteDefinition(RouteDefinition route) {
        if (route.getStartupOrder() == null) {
            route.setStartupOrder(consumesMqtt(route) ? nextMqttOrder.getAndIncrement() : nextOrder.getAndIncrement());
        }
    }

    /** An MQTT subscription, directly or through a Kamelet source named after MQTT ({@code mqtt5-device-source}). */
    static boolean consumesMqtt(RouteDefinition route) {
        if (route.getInput() == null || route.getInput().getEndpointUri() == null) {
            return false;
        }
        String uri = route.getInput().getEndpointUri();
        int colon = uri.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String scheme = uri.substring(0, colon);
        return MQTT_SCHEMES.contains(scheme)
                || (scheme.equals("kamelet") && uri.substring(colon + 1).startsWith("mqtt"));
    }
}
