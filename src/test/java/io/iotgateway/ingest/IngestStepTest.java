package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ingest step in a Camel context of its own, with routes standing in for the Kafka send and the hooks: what a
 * redelivery does after the send or a hook failed (the message is not mapped again, its records are not sent again
 * once Kafka has them), with a send that completes on the calling thread and one that completes on another.
 */
class IngestStepTest {

    private CamelContext camel;
    private final List<String> steps = new CopyOnWriteArrayList<>();
    private final AtomicInteger sendFailuresLeft = new AtomicInteger();
    private final AtomicInteger hookFailuresLeft = new AtomicInteger();
    private final AtomicInteger rejectsLeft = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // no error handler of their own, which would mark the failure exhausted: they fail like a producer
                errorHandler(noErrorHandler());
                from("direct:send-sync").process(exchange -> send(exchange));
                from("direct:send-async").threads(1).process(exchange -> send(exchange));
                from("direct:hooks").process(exchange -> {
                    steps.add("hooks");
                    if (hookFailuresLeft.getAndDecrement() > 0) {
                        throw new IllegalStateException("hook down");
                    }
                });
            }
        });
        camel.start();
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct:send-sync", "direct:send-async"})
    void aFailedSendIsRetriedWithTheSameRecordsWithoutMappingAgain(String send) throws Exception {
        sendFailuresLeft.set(2);

        Exchange result = ingest(send);

        assertThat(result.getException()).isNull();
        assertThat(steps).containsExactly("map bike", "send [r1, r2]", "send [r1, r2]", "send [r1, r2]", "hooks");
    }

    @ParameterizedTest
    @ValueSource(strings = {"direct:send-sync", "direct:send-async"})
    void aFailedHookIsRetriedWithoutSendingTheRecordsAgain(String send) throws Exception {
        hookFailuresLeft.set(1);

        Exchange result = ingest(send);

        assertThat(result.getException()).isNull();
        assertThat(steps).containsExactly("map bike", "send [r1, r2]", "hooks", "hooks");
    }

    @Test
    void whenRetriesRunOutTheMessageFailsWithTheSendsExceptionAndNoHookRuns() throws Exception {
        sendFailuresLeft.set(100);

        Exchange result = ingest("direct:send-async");

        assertThat(result.getException()).hasMessage("kafka down");
        assertThat(steps).containsOnlyOnce("map bike").doesNotContain("hooks");
    }

    @Test
    void aRejectedMessageIsNeitherSentNorHooked() throws Exception {
        rejectsLeft.set(100);

        Exchange result = ingest("direct:send-sync");

        assertThat(result.getException()).isInstanceOf(MessageRejectedException.class);
        assertThat(steps).containsOnly("map bike");
    }

    private Exchange ingest(String send) throws Exception {
        AsyncProducer telemetry = producer(send);
        AsyncProducer hooks = producer("direct:hooks");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:ingest")
                        .errorHandler(
                                defaultErrorHandler().maximumRedeliveries(3).redeliveryDelay(0))
                        .process(new IngestStep(IngestStepTest.this::map, "bike", () -> telemetry, hooks));
            }
        });
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody("{\"device\":\"payload\"}");
        return camel.createProducerTemplate().send("direct:ingest", exchange);
    }

    private AsyncProducer producer(String uri) throws Exception {
        AsyncProducer producer = camel.getEndpoint(uri).createAsyncProducer();
        producer.start();
        return producer;
    }

    private void map(Exchange exchange, String family) {
        steps.add("map " + family);
        assertThat(exchange.getMessage().getBody(String.class)).isEqualTo("{\"device\":\"payload\"}");
        if (rejectsLeft.getAndDecrement() > 0) {
            throw new MessageRejectedException(RejectReason.SCHEMA_VIOLATION, "bad");
        }
        exchange.getMessage().setBody(List.of("r1", "r2"));
    }

    private void send(Exchange exchange) {
        steps.add("send " + exchange.getMessage().getBody());
        if (sendFailuresLeft.getAndDecrement() > 0) {
            throw new IllegalStateException("kafka down");
        }
    }
}
