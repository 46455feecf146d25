package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.SharedBrokers;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.paho.mqttv5.client.DisconnectedBufferOptions;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The MQTT broker restarts under a running gateway (the "zombie route" guard): the subscription must come back by
 * itself and carry on, both when the broker kept its sessions (persistence, as a production broker) and when it lost
 * them (the gateway has to subscribe again). QoS 1 messages a device publishes while the broker is down (buffered by
 * the device, sent when it reconnects) are not lost when the broker keeps sessions.
 */
class BrokerRestartIT {

    private static final Duration RECOVERY = Duration.ofSeconds(60);

    private final KafkaProbe kafka = new KafkaProbe(SharedBrokers.get().kafkaBootstrap());

    @Test
    void ingestResumesAfterBrokerRestartsWithAndWithoutSessions() throws Exception {
        int port = EmbeddedBrokers.freePort();
        Path dir = Path.of("target", "restart-broker-" + port);
        String url = "tcp://127.0.0.1:" + port;
        String deviceId = "restart-" + port;
        String topic = "devices/" + deviceId + "/telemetry";

        EmbeddedBrokers.MqttBroker broker = EmbeddedBrokers.startMqttBroker(port, dir, true);
        try (ConfigurableApplicationContext gateway = GatewayInstance.start(Map.of(
                        "gateway.mqtt.client-id", "gw-restart",
                        "gateway.mqtt.broker-url", url,
                        "gateway.persistence.enabled", "false",
                        // also exercises the opt-in per-device counter (checked at the end)
                        "gateway.metrics.device-label", "true"));
                BufferingDevice device = new BufferingDevice(url)) {
            await().atMost(RECOVERY).until(() -> gateway.getBean(MqttSubscriptionMonitor.class)
                    .health()
                    .getStatus()
                    .getCode()
                    .equals("UP"));
            device.publish(topic, 1, 10);
            awaitSequences(deviceId, 10);

            // 1. The broker goes down; the device keeps publishing (QoS 1, buffered until it reconnects).
            broker.close();
            device.publish(topic, 11, 20);
            broker = EmbeddedBrokers.startMqttBroker(port, dir, true);
            device.publish(topic, 21, 30);
            awaitSequences(deviceId, 30);

            // 2. The broker comes back without any session: the gateway must subscribe again by itself.
            broker.close();
            broker = EmbeddedBrokers.startMqttBroker(port, dir.resolveSibling(dir.getFileName() + "-fresh"), false);
            // Messages published before the gateway is subscribed again have no subscriber and the broker drops
            // them (nothing the gateway can do): probe until one gets through, then everything must.
            String probeDevice = deviceId + "-probe";
            await().atMost(RECOVERY).pollInterval(Duration.ofMillis(500)).until(() -> {
                device.publish("devices/" + probeDevice + "/telemetry", 0, 0);
                return !kafka.read("device.telemetry", r -> probeDevice.equals(r.key()))
                        .isEmpty();
            });
            device.publish(topic, 31, 60);
            awaitSequences(deviceId, 60);

            Counter perDevice = gateway.getBean(MeterRegistry.class)
                    .find("gateway.device.messages")
                    .tag("device", deviceId)
                    .counter();
            assertThat(perDevice).isNotNull();
            assertThat(perDevice.count()).isGreaterThanOrEqualTo(60);
        } finally {
            broker.close();
        }
    }

    /** Waits until every sequence number 1..last of the device is in Kafka (duplicates allowed, gaps not). */
    private void awaitSequences(String deviceId, int last) {
        await().atMost(RECOVERY).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            Set<Integer> seen = new TreeSet<>();
            for (ConsumerRecord<String, byte[]> record :
                    kafka.read("device.telemetry", r -> deviceId.equals(r.key()))) {
                String json = new String(record.value(), StandardCharsets.UTF_8);
                seen.add((int) Double.parseDouble(json.replaceAll(".*\"value\":([0-9.]+).*", "$1")));
            }
            Set<Integer> missing = new TreeSet<>();
            for (int i = 1; i <= last; i++) {
                if (!seen.contains(i)) {
                    missing.add(i);
                }
            }
            assertThat(missing)
                    .as("sequence numbers of " + deviceId + " missing in Kafka")
                    .isEmpty();
        });
    }

    /**
     * A device with a persistent session that keeps publishing while disconnected: QoS 1 messages are buffered and
     * sent when the connection is back, as the Paho client does with offline buffering.
     */
    private static final class BufferingDevice implements AutoCloseable {

        private final MqttAsyncClient client;

        BufferingDevice(String url) throws Exception {
            client = new MqttAsyncClient(url, "device-" + UUID.randomUUID(), new MemoryPersistence());
            DisconnectedBufferOptions buffer = new DisconnectedBufferOptions();
            buffer.setBufferEnabled(true);
            buffer.setBufferSize(1000);
            buffer.setPersistBuffer(false);
            client.setBufferOpts(buffer);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(false);
            options.setSessionExpiryInterval(3600L);
            options.setAutomaticReconnect(true);
            options.setAutomaticReconnectDelay(1, 2);
            client.connect(options).waitForCompletion(10_000);
        }

        /** Publishes readings {@code from..to} (their value is the sequence number); 0..0 publishes one probe. */
        void publish(String topic, int from, int to) throws Exception {
            for (int i = from; i <= to; i++) {
                MqttMessage message = new MqttMessage(
                        ("{\"sensorType\":\"seq\",\"value\":" + i + ",\"timestamp\":" + (1_700_000_000 + i) + "}")
                                .getBytes(StandardCharsets.UTF_8));
                message.setQos(1);
                send(topic, message);
            }
        }

        /** Paho refuses a publish while its in-flight window is full: that is back-pressure, so wait (bounded). */
        private void send(String topic, MqttMessage message) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                try {
                    client.publish(topic, message);
                    return;
                } catch (MqttException e) {
                    if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT
                            || System.nanoTime() > deadline) {
                        throw e;
                    }
                    LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
                }
            }
        }

        @Override
        public void close() throws Exception {
            if (client.isConnected()) {
                client.disconnect().waitForCompletion(5_000);
            }
            client.close(true);
        }
    }
}
