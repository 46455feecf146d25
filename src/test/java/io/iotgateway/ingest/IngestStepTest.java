package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.EventNotifierSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ingest step in a Camel context of its own, with routes standing in for the Kafka send and the hooks: what a
 * redelivery does after the send or a hook failed (the message is not mapped again, its records are not sent again
 * once Kafka has them), with a send that completes on the calling thread and one that completes on another; and the
 * lanes: one topic's messages in order on one lane, the lanes sharing the topics.
 */
class IngestStepTest {

    private CamelContext camel;
    private final List<String> steps = new CopyOnWriteArrayList<>();
    private final AtomicInteger sendFailuresLeft = new AtomicInteger();
    private final AtomicInteger hookFailuresLeft = new AtomicInteger();
    private final AtomicInteger rejectsLeft = new AtomicInteger();
    private final List<String> mappings = new CopyOnWriteArrayList<>();
    private final List<String> mappedOn = new CopyOnWriteArrayList<>();
    private final List<String> sentEvents = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch holdLanes;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.ExchangeSentEvent sent
                        && sent.getEndpoint().getEndpointUri().startsWith("direct://send")) {
                    sentEvents.add(sent.getEndpoint().getEndpointUri() + " "
                            + (sent.getExchange().getException() == null ? "ok" : "failed"));
                }
            }
        });
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                // no error handler of their own, which would mark the failure exhausted: they fail like a producer
                errorHandler(noErrorHandler());
                from("direct:send-sync").process(exchange -> send(exchange));
                from("direct:send-async").threads(1).process(exchange -> send(exchange));
                from("direct:hooks").process(exchange -> {
                    if (exchange.getMessage().getHeader(PahoMqtt5Constants.MQTT_TOPIC) != null
                            && !exchange.getMessage()
                                    .getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class)
                                    .startsWith("devices/b1/")) {
                        return;
                    }
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
        // as a `to` would: the gateway's Kafka meters are read from these events
        String uri = send.replace("direct:", "direct://");
        assertThat(sentEvents).containsExactly(uri + " failed", uri + " failed", uri + " ok");
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

    @ParameterizedTest
    @ValueSource(strings = {"direct:send-sync", "direct:send-async"})
    void onALaneAFailedSendIsRetriedWithoutMappingAgain(String send) throws Exception {
        sendFailuresLeft.set(2);
        route(send, IngestLanes.of(camel, this, 2));

        Exchange result = camel.createProducerTemplate().send("direct:ingest", message("devices/b1/telemetry", 0));

        assertThat(result.getException()).isNull();
        assertThat(steps).containsExactly("map bike", "send [r1, r2]", "send [r1, r2]", "send [r1, r2]", "hooks");
        assertThat(mappedOn).allMatch(thread -> thread.contains("ingest-lane-"));
    }

    @Test
    void eachTopicKeepsItsOrderOnOneLaneWhileTheLanesShareTheWork() throws Exception {
        route("direct:send-async", IngestLanes.of(camel, this, 2));
        List<String> topics = List.of("devices/a/telemetry", "devices/b/telemetry", "devices/c/telemetry");
        // from this one thread, so the messages arrive in this order, as from the MQTT client's receiving thread
        AsyncProducer ingest = producer("direct:ingest");
        List<CompletableFuture<Exchange>> sent = new ArrayList<>();
        for (int sequence = 0; sequence < 100; sequence++) {
            for (String topic : topics) {
                Exchange exchange = message(topic, sequence);
                CompletableFuture<Exchange> done = new CompletableFuture<>();
                ingest.process(exchange, doneSync -> done.complete(exchange));
                sent.add(done);
            }
        }
        for (CompletableFuture<Exchange> done : sent) {
            assertThat(done.get(10, TimeUnit.SECONDS).getException()).isNull();
        }

        for (String topic : topics) {
            List<String> mapped =
                    mappings.stream().filter(m -> m.startsWith(topic + " ")).toList();
            assertThat(mapped).hasSize(100);
            for (int sequence = 0; sequence < 100; sequence++) {
                assertThat(mapped.get(sequence)).startsWith(topic + " " + sequence + " ");
            }
            assertThat(mapped.stream()
                            .map(m -> m.substring(m.lastIndexOf(' ') + 1))
                            .distinct())
                    .as("the lanes that mapped " + topic)
                    .hasSize(1);
        }
        assertThat(mappedOn.stream().distinct()).as("lanes used").hasSize(2);
    }

    @Test
    void aDeviceOnSeveralTopicsKeepsItsOrderOnOneLane() throws Exception {
        // two topics that lanes keyed by topic would put on different lanes
        IngestLanes byTopic = IngestLanes.of(camel, this, 2);
        assertThat(byTopic.laneOf(message("bike/b7/speed", 0), "bike"))
                .isNotSameAs(byTopic.laneOf(message("bike/b7/heartrate", 0), "bike"));
        // keyed by device, as the gateway keys them (the topic's device id)
        route("direct:send-sync", IngestLanes.of(camel, this, 2, (exchange, family, topic) -> topic.split("/")[1]));
        AsyncProducer ingest = producer("direct:ingest");
        List<CompletableFuture<Exchange>> sent = new ArrayList<>();
        for (int sequence = 0; sequence < 200; sequence++) {
            Exchange exchange = message(sequence % 2 == 0 ? "bike/b7/speed" : "bike/b7/heartrate", sequence);
            CompletableFuture<Exchange> done = new CompletableFuture<>();
            ingest.process(exchange, doneSync -> done.complete(exchange));
            sent.add(done);
        }
        for (CompletableFuture<Exchange> done : sent) {
            assertThat(done.get(10, TimeUnit.SECONDS).getException()).isNull();
        }

        assertThat(mappings).hasSize(200);
        for (int sequence = 0; sequence < 200; sequence++) {
            assertThat(mappings.get(sequence)).contains(" " + sequence + " ");
        }
        assertThat(mappedOn.stream().distinct()).hasSize(1);
    }

    @Test
    void aLaneWithManyMessagesWaitingNeverRunsOneOnTheCallersThread() throws Exception {
        CountDownLatch laneHeld = new CountDownLatch(1);
        holdLanes = laneHeld;
        route("direct:send-sync", IngestLanes.of(camel, this, 1));
        AsyncProducer ingest = producer("direct:ingest");
        List<CompletableFuture<Exchange>> sent = new ArrayList<>();
        // more than a default Camel pool's queue (1,000) while the lane is busy
        for (int sequence = 0; sequence < 1_500; sequence++) {
            Exchange exchange = message("devices/a/telemetry", sequence);
            CompletableFuture<Exchange> done = new CompletableFuture<>();
            ingest.process(exchange, doneSync -> done.complete(exchange));
            sent.add(done);
        }
        laneHeld.countDown();
        for (CompletableFuture<Exchange> done : sent) {
            assertThat(done.get(10, TimeUnit.SECONDS).getException()).isNull();
        }

        assertThat(mappedOn).hasSize(1_500).allMatch(thread -> thread.contains("ingest-lane-0"));
        for (int sequence = 0; sequence < 1_500; sequence++) {
            assertThat(mappings.get(sequence)).startsWith("devices/a/telemetry " + sequence + " ");
        }
    }

    private Exchange ingest(String send) throws Exception {
        route(send, IngestLanes.NONE);
        return camel.createProducerTemplate().send("direct:ingest", message(null, 0));
    }

    private void route(String send, IngestLanes lanes) throws Exception {
        AsyncProducer telemetry = producer(send);
        AsyncProducer hooks = producer("direct:hooks");
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:ingest")
                        .errorHandler(
                                defaultErrorHandler().maximumRedeliveries(3).redeliveryDelay(0))
                        .process(new IngestStep(IngestStepTest.this::map, "bike", () -> telemetry, hooks, lanes));
            }
        });
    }

    private Exchange message(String topic, int sequence) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody("{\"device\":\"payload\"}");
        exchange.getMessage().setHeader(PahoMqtt5Constants.MQTT_TOPIC, topic);
        exchange.getMessage().setHeader("sequence", sequence);
        return exchange;
    }

    private AsyncProducer producer(String uri) throws Exception {
        AsyncProducer producer = camel.getEndpoint(uri).createAsyncProducer();
        producer.start();
        return producer;
    }

    private void map(Exchange exchange, String family) {
        CountDownLatch held = holdLanes;
        if (held != null) {
            try {
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        String thread = Thread.currentThread().getName();
        mappedOn.add(thread);
        Message in = exchange.getMessage();
        String topic = in.getHeader(PahoMqtt5Constants.MQTT_TOPIC, String.class);
        if (topic != null && !topic.startsWith("devices/b1/")) {
            // many messages: only their order and thread are of interest
            mappings.add(topic + " " + in.getHeader("sequence") + " " + thread);
            in.setBody(List.of());
            return;
        }
        steps.add("map " + family);
        assertThat(exchange.getMessage().getBody(String.class)).isEqualTo("{\"device\":\"payload\"}");
        if (rejectsLeft.getAndDecrement() > 0) {
            throw new MessageRejectedException(RejectReason.SCHEMA_VIOLATION, "bad");
        }
        exchange.getMessage().setBody(List.of("r1", "r2"));
    }

    private void send(Exchange exchange) {
        if (exchange.getMessage().getBody(List.class).isEmpty()) {
            return;
        }
        steps.add("send " + exchange.getMessage().getBody());
        if (sendFailuresLeft.getAndDecrement() > 0) {
            throw new IllegalStateException("kafka down");
        }
    }
}
