package io.iotgateway.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReportLanesTest {

    private static final int LANES = 4;

    private final CountDownLatch slowMayFinish = new CountDownLatch(1);
    private final List<String> done = new CopyOnWriteArrayList<>();
    private CamelContext camel;
    private AsyncProducer producer;

    @BeforeEach
    void start() throws Exception {
        camel = new DefaultCamelContext();
        camel.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:reports")
                        .process(new ReportLanes(getContext(), "test-lane", LANES, e -> e.getMessage()
                                .getHeader("key", String.class)))
                        .process(ReportLanesTest.this::handle);
            }
        });
        camel.start();
        producer = camel.getEndpoint("direct:reports").createAsyncProducer();
        producer.start();
    }

    @AfterEach
    void stop() throws Exception {
        slowMayFinish.countDown();
        camel.close();
    }

    @Test
    void aSlowKeyHoldsBackOnlyItself() {
        // keys that land on other lanes than "slow"
        assertThat(List.of("other-a", "other-c"))
                .allMatch(key -> Math.floorMod(key.hashCode(), LANES) != Math.floorMod("slow".hashCode(), LANES));
        CompletableFuture<Exchange> slow = send("slow", "slow-1");
        List<CompletableFuture<Exchange>> others = List.of(send("other-a", "a-1"), send("other-c", "c-1"));

        await().atMost(Duration.ofSeconds(10)).until(() -> others.stream().allMatch(CompletableFuture::isDone));
        assertThat(slow).isNotDone();
        assertThat(done).containsExactlyInAnyOrder("a-1", "c-1");

        slowMayFinish.countDown();
        await().atMost(Duration.ofSeconds(10)).until(slow::isDone);
        assertThat(done).hasSize(3).endsWith("slow-1");
    }

    @Test
    void oneKeyKeepsItsOrder() {
        List<CompletableFuture<Exchange>> sent = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sent.add(send("device-1", "m-" + i));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.stream().allMatch(CompletableFuture::isDone));
        assertThat(done)
                .containsExactlyElementsOf(
                        IntStream.range(0, 200).mapToObj(i -> "m-" + i).toList());
    }

    /** Hands an exchange to the route from the test's thread and returns at once, as the MQTT consumer does. */
    private CompletableFuture<Exchange> send(String key, String body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("key", key);
        exchange.getMessage().setBody(body);
        CompletableFuture<Exchange> completed = new CompletableFuture<>();
        producer.process(exchange, doneSync -> completed.complete(exchange));
        return completed;
    }

    private void handle(Exchange exchange) throws InterruptedException {
        if ("slow".equals(exchange.getMessage().getHeader("key"))) {
            assertThat(slowMayFinish.await(10, TimeUnit.SECONDS)).isTrue();
        }
        done.add(exchange.getMessage().getBody(String.class));
    }
}
