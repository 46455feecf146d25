package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.KafkaProbe;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Stopping an ingest route (a reload, a shutdown) while messages flow: the route stops taking messages, lets the ones
 * in flight be acknowledged, then disconnects; what arrives meanwhile stays in the persistent session. Every message
 * reaches Kafka exactly once.
 */
class IngestRouteRestartIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTE = "ingest-receive-devices";
    private static final int RESTARTS = 3;
    /** Published while the route runs; it is stopped once some of them are in Kafka. */
    private static final int BATCH = 200;
    /** Published while the route is stopped: they can only arrive through the resumed session. */
    private static final int WHILE_STOPPED = 20;

    @Test
    void restartingTheRouteUnderLoadNeitherLosesNorDuplicates() throws Exception {
        String id = uniqueId("restart");
        RouteEvents events = new RouteEvents();
        ServiceHelper.startService(events);
        camel.getManagementStrategy().addEventNotifier(events);
        int sent = 0;
        long lastStart = 0;
        try (KafkaProbe.Tail telemetry = KAFKA.tail("device.telemetry")) {
            for (int restart = 0; restart < RESTARTS; restart++) {
                int from = sent;
                CompletableFuture<Void> batch = CompletableFuture.runAsync(() -> publish(id, from, BATCH));
                sent += BATCH;
                // the route is stopped while it works through the batch (or right after it caught up)
                int arrived = telemetry
                        .awaitRecords(r -> id.equals(r.key()), from + 1, Duration.ofSeconds(30))
                        .size();
                assertThat(arrived).as("records before restart %d", restart).isGreaterThan(from);
                camel.getRouteController().stopRoute(ROUTE);
                assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Stopped);
                batch.get();
                publish(id, sent, WHILE_STOPPED);
                sent += WHILE_STOPPED;
                lastStart = System.nanoTime();
                camel.getRouteController().startRoute(ROUTE);
            }

            // A later message of the same device (same Kafka partition): once it is in, a late duplicate of any earlier
            // one would be too.
            publish(id, sent, 1);
            int total = sent + 1;
            assertThat(telemetry.awaitRecords(
                            r -> id.equals(r.key()) && value(r) == total - 1, 1, Duration.ofSeconds(60)))
                    .hasSize(1);
        } finally {
            camel.getManagementStrategy().removeEventNotifier(events);
            ServiceHelper.stopService(events);
        }

        // The restarts really happened: the route was stopped and started again each time, and runs since the last.
        assertThat(events.stopped).hasValue(RESTARTS);
        assertThat(events.started).hasValue(RESTARTS);
        assertThat(camel.getRouteController().getRouteStatus(ROUTE)).isEqualTo(ServiceStatus.Started);
        assertThat(camel.getRoute(ROUTE).getUptimeMillis())
                .isLessThanOrEqualTo(
                        // taken before the last start, so the route cannot be older; +2 for two clocks' rounding
                        Duration.ofNanos(System.nanoTime() - lastStart).toMillis() + 2);

        List<ConsumerRecord<String, byte[]>> records = KAFKA.read("device.telemetry", r -> id.equals(r.key()));
        Map<Integer, Long> perValue =
                records.stream().collect(Collectors.groupingBy(IngestRouteRestartIT::value, Collectors.counting()));
        assertThat(perValue.keySet())
                .containsExactlyInAnyOrderElementsOf(
                        IntStream.rangeClosed(0, sent).boxed().toList());
        assertThat(perValue)
                .allSatisfy((value, count) ->
                        assertThat(count).as("records of message %d", value).isEqualTo(1));
        assertThat(records)
                .extracting(r -> KafkaProbe.header(r, "x-message-id"))
                .doesNotHaveDuplicates();
    }

    private void publish(String id, int from, int count) {
        for (int i = from; i < from + count; i++) {
            device.publish(
                    "devices/" + id + "/telemetry",
                    "{\"sensorType\":\"seq\",\"value\":" + i + ",\"timestamp\":" + (1763320000 + i) + "}");
        }
    }

    private static int value(ConsumerRecord<String, byte[]> record) {
        try {
            return JSON.readTree(record.value()).get("value").asInt();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Counts the stop and start events of the ingest route under test. */
    private static final class RouteEvents extends EventNotifierSupport {

        final AtomicInteger stopped = new AtomicInteger();
        final AtomicInteger started = new AtomicInteger();

        @Override
        public void notify(CamelEvent event) {
            if (event instanceof CamelEvent.RouteEvent routeEvent
                    && ROUTE.equals(routeEvent.getRoute().getRouteId())) {
                if (event instanceof CamelEvent.RouteStoppedEvent) {
                    stopped.incrementAndGet();
                } else if (event instanceof CamelEvent.RouteStartedEvent) {
                    started.incrementAndGet();
                }
            }
        }
    }
}
