package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import java.time.Duration;
import java.util.List;
import org.apache.camel.Route;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.RouteStartupOrder;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: restarted with a backlog queued in its MQTT sessions, the gateway stalled for good because the ingest
 * routes started before the YAML hook routes they call. MQTT consumers now start last and stop first, and a hook that
 * is missing for the moment holds the message (un-acknowledged) instead of failing it.
 */
class StartupOrderIT extends GatewayIntegrationTest {

    @Test
    void mqttConsumersStartAfterEveryOtherRoute() {
        List<RouteStartupOrder> started = camel.getCamelContextExtension().getRouteStartupOrder().stream()
                .sorted((a, b) -> Integer.compare(a.getStartupOrder(), b.getStartupOrder()))
                .toList();
        List<String> mqtt = started.stream()
                .map(RouteStartupOrder::getRoute)
                .filter(StartupOrderIT::consumesMqtt)
                .map(Route::getRouteId)
                .toList();
        assertThat(mqtt).contains("ingest-receive-bike", "ingest-receive-devices", "commands-receive-report");
        // the hooks of routes/*.camel.yaml and the dead-letter route are among those started before
        assertThat(started.subList(0, started.size() - mqtt.size()))
                .extracting(order -> order.getRoute().getRouteId())
                .contains("routing-fan-out-bike", "routing-check-heartrate-high", "errors-publish-dead-letter")
                .doesNotContainAnyElementsOf(mqtt);
    }

    @Test
    void routesAddedLaterGetTheirPlaceToo() {
        RouteDefinition hook = new RouteDefinition("direct:on-message-late");
        RouteDefinition subscription = new RouteDefinition("paho-mqtt5:late/+");
        MqttConsumersStartLast order = new MqttConsumersStartLast();
        order.onAddRouteDefinition(hook);
        order.onAddRouteDefinition(subscription);
        assertThat(subscription.getStartupOrder()).isGreaterThan(hook.getStartupOrder());
        // and the context applies the rule to every definition it is given, YAML and Kamelet routes included
        assertThat(((ModelCamelContext) camel).getRouteDefinitions())
                .allSatisfy(definition -> assertThat(definition.getStartupOrder())
                        .isNotNull()
                        .isGreaterThanOrEqualTo(
                                MqttConsumersStartLast.consumesMqtt(definition)
                                        ? MqttConsumersStartLast.FIRST_MQTT_ORDER
                                        : MqttConsumersStartLast.FIRST_ORDER));
    }

    @Test
    void aHookThatIsNotRunningHoldsTheMessageUntilItIsBack() throws Exception {
        String id = uniqueId("held");
        String hook = "routing-fan-out-bike";
        camel.getRouteController().stopRoute(hook);
        try {
            device.publish(
                    "bike/" + id + "/heartrate", "{\"value\":120,\"unitName\":\"BPM\",\"timestamp\":1757841776}");
            // The canonical record is written before the hooks run; the message then waits at the stopped hook, past
            // the direct endpoint's own wait (camel.component.direct.timeout), retried as a transient failure.
            KAFKA.awaitKey("device.telemetry", id, 1);
            String topic = "bike/" + id + "/heartrate";
            await().during(Duration.ofSeconds(4))
                    .atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> KAFKA.read(
                                    "device.telemetry.dlq", r -> topic.equals(KafkaProbe.header(r, "x-source-topic")))
                            .isEmpty());
            assertThat(KAFKA.read("bike." + id + ".heartrate", r -> true)).isEmpty();
        } finally {
            camel.getRouteController().startRoute(hook);
        }
        assertThat(KAFKA.awaitKey("bike." + id + ".heartrate", id, 1)).hasSize(1);
    }

    private static boolean consumesMqtt(Route route) {
        String scheme = route.getEndpoint().getEndpointUri();
        return scheme.startsWith(SessionSafeMqttComponent.SCHEME + ":") || scheme.startsWith("paho-mqtt5:");
    }
}
