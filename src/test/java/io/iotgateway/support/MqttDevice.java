package io.iotgateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/** A device on a real MQTT 5 connection; publishes at QoS 1 and waits for the broker's PUBACK. */
public final class MqttDevice implements AutoCloseable {

    private static final Duration MAX_INFLIGHT_WAIT = Duration.ofSeconds(10);

    private final MqttClient client;

    public MqttDevice(String brokerUrl) {
        this(brokerUrl, options -> {});
    }

    /** A device whose connection needs more, e.g. TLS settings or credentials. */
    public MqttDevice(String brokerUrl, Consumer<MqttConnectionOptions> settings) {
        try {
            client = new MqttClient(brokerUrl, "device-" + UUID.randomUUID(), new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setAutomaticReconnect(true);
            settings.accept(options);
            client.connect(options);
        } catch (MqttException e) {
            throw new IllegalStateException("cannot connect to " + brokerUrl, e);
        }
    }

    public void publish(String topic, String payload) {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8));
    }

    public void publish(String topic, byte[] payload) {
        publish(topic, payload, List.of());
    }

    public void publish(String topic, byte[] payload, List<UserProperty> userProperties) {
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        if (!userProperties.isEmpty()) {
            MqttProperties properties = new MqttProperties();
            properties.setUserProperties(userProperties);
            message.setProperties(properties);
        }
        publish(client, topic, message);
    }

    /**
     * Publishes and waits for the PUBACK. Paho may count a just-acknowledged publish as in flight for a moment (and the
     * broker caps messages in flight): that is back-pressure, so wait for a slot instead of failing.
     */
    static void publish(MqttClient client, String topic, MqttMessage message) {
        long deadline = System.nanoTime() + MAX_INFLIGHT_WAIT.toNanos();
        while (true) {
            try {
                client.publish(topic, message);
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT || System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot publish to " + topic, e);
                }
                LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
            }
        }
    }

    @Override
    public void close() {
        try {
            client.disconnect();
            client.close();
        } catch (MqttException e) {
            // closing a test connection; the broker drops it either way
        }
    }
}
