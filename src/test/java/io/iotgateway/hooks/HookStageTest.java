package io.iotgateway.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.TelemetryRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hook step of the ingest route, in a Camel context of its own: which hooks it calls with what, in which order, and
 * what a retry after a failing hook calls again (only the hook that failed and those after it), with hooks that
 * complete synchronously and hooks that hand the exchange to another thread.
 */
class HookStageTest {

    private CamelContext camel;
    private TelemetryRouter router;
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Exchange> received = new ConcurrentHashMap<>();
    private final AtomicInteger failuresLeft = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        router = HookGuardTest.routerFor(camel);
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:ingest")
                        .errorHandler(
                                defaultErrorHandler().maximumRedeliveries(5).redeliveryDelay(0))
                        .process(router.hookStage());
                from("direct:on-message-first").process(exchange -> seen("first", exchange));
                // on another thread: the caller goes on asynchronously
                from("direct:on-message-flaky").threads(1).process(exchange -> {
                    seen("flaky", exchange);
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("not yet");
                    }
                });
                from("direct:on-record-hot")
                        .filter(simple("${exchangeProperty.value} > 35"))
                        .process(exchange -> seen("hot", exchange));
                from("direct:on-record-every").process(exchange -> seen("every", exchange));
            }
        });
        camel.start();
        router.registerHooks(
                "hooks.camel.yaml",
                List.of(
                        "direct:on-message-first",
                        "direct:on-message-flaky",
                        "direct:on-record-hot",
                        "direct:on-record-every"));
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @Test
    void everyAdmittingHookIsCalledOnceInOrderWithWhatItNeeds() {
        Exchange result = ingest(record(40), record(20));

        assertThat(result.getException()).isNull();
        assertThat(calls).containsExactly("first", "flaky", "hot", "every", "every");
        Exchange message = received.get("first");
        assertThat(message.getMessage().getBody(String.class)).isEqualTo("{\"raw\":true}");
        assertThat(message.getMessage().getHeader("kafka.KEY")).isEqualTo("bike-1");
        assertThat(message.getProperty("deviceId")).isEqualTo("bike-1");
        assertThat(message.getProperty("place")).isEqualTo("hall");
        assertThat(message.getProperty(GatewayExchange.SOURCE_TOPIC)).isEqualTo("devices/bike-1/telemetry");
        Exchange hot = received.get("hot");
        assertThat(hot.getProperty("value")).isEqualTo(40.0);
        assertThat(hot.getMessage().getBody(String.class)).isEqualTo("{\"record\":0}");
        // each call has an exchange of its own: what one hook sets, the next does not see
        assertThat(received.get("every")).isNotSameAs(hot);
        assertThat(received.get("every").getMessage().getBody(String.class)).isEqualTo("{\"record\":1}");
    }

    @Test
    void aRetryCallsOnlyTheHookThatFailedAndTheRest() {
        failuresLeft.set(2);

        Exchange result = ingest(record(40));

        assertThat(result.getException()).isNull();
        assertThat(calls).containsExactly("first", "flaky", "flaky", "flaky", "hot", "every");
    }

    @Test
    void whenRetriesRunOutTheMessageFailsWithTheHooksException() {
        failuresLeft.set(100);

        Exchange result = ingest(record(40));

        assertThat(result.getException()).hasMessage("not yet");
        assertThat(calls).containsOnlyOnce("first").doesNotContain("hot", "every");
    }

    @Test
    void aHookUnregisteredSinceTheMessageStartedIsSkipped() {
        router.registerHooks("hooks.camel.yaml", List.of("direct:on-record-every"));

        ingest(record(40));

        assertThat(calls).containsExactly("every");
    }

    private void seen(String hook, Exchange exchange) {
        calls.add(hook);
        received.put(hook, exchange);
    }

    private Exchange ingest(TelemetryRecord... records) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.setProperty(
                TelemetryRouter.MAPPED,
                new TelemetryRouter.Mapped(
                        List.of(records),
                        java.util.stream.IntStream.range(0, records.length)
                                .mapToObj(i -> ("{\"record\":" + i + "}").getBytes(StandardCharsets.UTF_8))
                                .toList(),
                        "{\"raw\":true}".getBytes(StandardCharsets.UTF_8),
                        Map.of("place", "hall")));
        exchange.setProperty(GatewayExchange.SOURCE_TOPIC, "devices/bike-1/telemetry");
        return camel.createProducerTemplate().send("direct:ingest", exchange);
    }

    private static TelemetryRecord record(double value) {
        Instant now = Instant.now();
        return new TelemetryRecord(
                "m-1", "bike-1", "temperature", value, "C", now, now, "bike", "devices/bike-1/telemetry", null);
    }
}
