package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.InstalledTool;
import io.iotgateway.support.MessageCallback;
import io.iotgateway.support.MosquittoBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.camel.spi.Synchronization;
import org.awaitility.core.ConditionTimeoutException;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

/**
 * Against Debian's Mosquitto: a subscriber at its receive maximum whose messages finish out of order still gets its
 * stream in order. Acknowledged in completion order instead, the same sequence makes Mosquitto 2.0.11 send a newly
 * published message ahead of the ones it had queued (docs/reliability.md), which is how a device's readings reached
 * Kafka out of order after a Kafka outage.
 */
class ArrivalOrderAcksIT {

    private static final int RECEIVE_MAXIMUM = 10;
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void messagesFinishingOutOfOrderAtTheReceiveMaximumStillArriveInOrder() throws Exception {
        InstalledTool.require(
                MosquittoBroker.installed(), () -> "mosquitto is not installed (apt-get install mosquitto)");
        String topic = "it/ack-order";
        try (MosquittoBroker broker = MosquittoBroker.startPersistent(Files.createTempDirectory("ack-order"))) {
            MqttClient publisher = new MqttClient(broker.url(), "ack-order-device", new MemoryPersistence());
            MqttClient subscriber = new MqttClient(broker.url(), "ack-order-gateway", new MemoryPersistence());
            ArrivalOrderAcks acks = new ArrivalOrderAcks(subscriber::messageArrivedComplete, "ack-order");
            List<Arrival> arrivals = new ArrayList<>();
            subscriber.setManualAcks(true);
            subscriber.setCallback((MessageCallback) (received, message) -> {
                synchronized (arrivals) {
                    arrivals.add(new Arrival(
                            new String(message.getPayload(), StandardCharsets.US_ASCII), acks.arrived(message)));
                }
            });
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setReceiveMaximum(RECEIVE_MAXIMUM);
            subscriber.connect(options);
            subscriber.subscribe(topic, 1);
            publisher.connect();
            for (int i = 1; i <= 30; i++) {
                publisher.publish(topic, Integer.toString(i).getBytes(StandardCharsets.US_ASCII), 1, false);
            }
            await().atMost(WAIT).until(() -> count(arrivals) == RECEIVE_MAXIMUM);

            // The fifth finishes first. Acknowledged at once, Mosquitto 2.0.11 would now send the six queued behind
            // the tenth, beyond the maximum (it refills the window from the acknowledged message's position).
            arrival(arrivals, 5).slot.onComplete(null);
            try {
                await().atMost(Duration.ofSeconds(1)).until(() -> count(arrivals) == RECEIVE_MAXIMUM + 6);
            } catch (ConditionTimeoutException expected) {
                // nothing acknowledged yet, so nothing more sent: the outcome wanted
            }
            // Then the newest: acknowledged, it would leave the broker room to send the next new message first.
            arrival(arrivals, count(arrivals)).slot.onComplete(null);
            publisher.publish(topic, "31".getBytes(StandardCharsets.US_ASCII), 1, false);

            int settled = 0;
            long deadline = System.nanoTime() + WAIT.toNanos() * 3;
            while (count(arrivals) < 31 && System.nanoTime() < deadline) {
                int received = count(arrivals);
                for (int i = received; i > settled; i--) {
                    arrival(arrivals, i).slot.onComplete(null); // newest first, each batch out of order
                }
                settled = received;
                int seen = received;
                await().atMost(WAIT).until(() -> count(arrivals) > seen);
            }
            assertThat(payloads(arrivals))
                    .as("the order the subscriber received them in")
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, 31)
                            .mapToObj(Integer::toString)
                            .toList());
            subscriber.disconnect();
            publisher.disconnect();
        }
    }

    private record Arrival(String payload, Synchronization slot) {}

    private static int count(List<Arrival> arrivals) {
        synchronized (arrivals) {
            return arrivals.size();
        }
    }

    private static Arrival arrival(List<Arrival> arrivals, int position) {
        synchronized (arrivals) {
            return arrivals.get(position - 1);
        }
    }

    private static List<String> payloads(List<Arrival> arrivals) {
        synchronized (arrivals) {
            return arrivals.stream().map(Arrival::payload).toList();
        }
    }
}
