package io.iotgateway.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.telemetry.TelemetryRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A hook whose route starts with a filter the message cannot pass is not called; the others are, in order. */
class HookGuardTest {

    private CamelContext camel;
    private TelemetryRouter router;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        // As the gateway's error policy: once a route starts, its onException clauses come first in the outputs.
        camel.addRoutes(new RouteConfigurationBuilder() {
            @Override
            public void configuration() {
                routeConfiguration("policy")
                        .onException(IllegalStateException.class)
                        .maximumRedeliveries(1);
            }
        });
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:on-message-bikes-only")
                        .routeConfigurationId("policy")
                        .filter(simple("${exchangeProperty.family} == 'bike'"))
                        .log("bike");
                from("direct:on-message-everyone").log("any");
                from("direct:on-record-hot")
                        .routeConfigurationId("policy")
                        .filter(simple("${exchangeProperty.sensorType} == 'temperature' && "
                                + "${exchangeProperty.value} > 35"))
                        .log("hot");
            }
        });
        camel.start();
        router = routerFor(camel);
        router.registerHooks(
                "hooks.camel.yaml",
                List.of("direct:on-message-bikes-only", "direct://on-message-everyone", "direct:on-record-hot"));
    }

    /** A router over {@code camel}. */
    static TelemetryRouter routerFor(CamelContext camel) {
        return new TelemetryRouter(camel, new ObjectMapper().findAndRegisterModules());
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @Test
    void messageHooksWhoseFilterCannotPassAreSkipped() {
        assertThat(hooksForMessage("bike"))
                .containsExactly("direct:on-message-bikes-only", "direct:on-message-everyone");
        assertThat(hooksForMessage("fms")).containsExactly("direct:on-message-everyone");
    }

    @Test
    void recordHooksAreTestedPerRecord() {
        assertThat(hooksForRecord("temperature", 40)).containsExactly("direct:on-record-hot");
        assertThat(hooksForRecord("temperature", 20)).isEmpty();
        assertThat(hooksForRecord("humidity", 90)).isEmpty();
    }

    @Test
    void aHookWithoutItsRouteIsStillCalled() {
        router.registerHooks("other.camel.yaml", List.of("direct:on-message-not-started-yet"));
        assertThat(hooksForMessage("fms"))
                .containsExactly("direct:on-message-everyone", "direct:on-message-not-started-yet");
    }

    @Test
    void theShippedHooksCostNothingForAMessageTheirFiltersCannotPass() throws Exception {
        // Not started: only the route models are needed (the Kafka endpoints have no broker here).
        try (CamelContext shipped = new DefaultCamelContext()) {
            TelemetryRouter shippedRouter = routerFor(shipped);
            for (String file :
                    List.of("seed-fan-out.camel.yaml", "alert-rules.camel.yaml", "example-cold-room.camel.yaml")) {
                Resource resource = ResourceHelper.resolveMandatoryResource(shipped, "file:routes/" + file);
                PluginHelper.getRoutesLoader(shipped).loadRoutes(resource);
            }
            shippedRouter.registerHooks(
                    "shipped",
                    ((ModelCamelContext) shipped)
                            .getRouteDefinitions().stream()
                                    .map(route -> route.getInput().getEndpointUri())
                                    .toList());

            assertThat(shippedRouter.plan(exchange(record("devices", "bench", 1))))
                    .isEmpty();
            assertThat(shippedRouter.plan(exchange(record("bike", "heartrate", 190))).stream()
                            .map(TelemetryRouter.HookCall::hook))
                    .containsExactly("direct:on-message-bike-fan-out", "direct:on-record-heartrate-high");
        }
    }

    private List<String> hooksForMessage(String family) {
        return router.plan(exchange(record(family, "speed", 1))).stream()
                .filter(call -> call.record() < 0)
                .map(TelemetryRouter.HookCall::hook)
                .toList();
    }

    private List<String> hooksForRecord(String sensorType, double value) {
        return router.plan(exchange(record("environment", sensorType, value))).stream()
                .filter(call -> call.record() == 0)
                .map(TelemetryRouter.HookCall::hook)
                .toList();
    }

    private Exchange exchange(TelemetryRecord record) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(
                TelemetryRouter.MAPPED,
                new TelemetryRouter.Mapped(List.of(record), List.of(new byte[0]), new byte[0], Map.of()));
        return exchange;
    }

    private static TelemetryRecord record(String family, String sensorType, double value) {
        Instant now = Instant.now();
        return new TelemetryRecord(
                "m-1", "dev-1", sensorType, value, "u", now, now, family, "devices/dev-1/telemetry", null);
    }
}
