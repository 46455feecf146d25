package io.iotgateway.benchmark;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Simulated devices, one MQTT 5 connection each, publishing at QoS 1. Each device keeps at most the broker's receive
 * maximum of publishes unacknowledged, as a real client must, and publishes its messages in sequence order.
 */
final class DeviceFleet implements AutoCloseable {

    private static final int IN_FLIGHT_PER_DEVICE = 10;

    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final List<Semaphore> windows = new ArrayList<>();
    private final IntFunction<String> topicOf;

    DeviceFleet(String brokerUrl, int devices, String clientPrefix, IntFunction<String> topicOf) throws MqttException {
        this.topicOf = topicOf;
        for (int i = 0; i < devices; i++) {
            MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientPrefix + "-" + i, new MemoryPersistence());
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            client.connect(options).waitForCompletion(10_000);
            clients.add(client);
            windows.add(new Semaphore(IN_FLIGHT_PER_DEVICE));
        }
    }

    int size() {
        return clients.size();
    }

    /**
     * Publishes {@code perDevice} messages from every device, round robin. With {@code ratePerSecond > 0} the sends
     * are paced to that total rate; otherwise as fast as the acknowledgements allow.
     *
     * @return the System.nanoTime() of the first send
     */
    long publish(int perDevice, int ratePerSecond) throws Exception {
        long start = System.nanoTime();
        long interval = ratePerSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / ratePerSecond : 0;
        long n = 0;
        for (int seq = 0; seq < perDevice; seq++) {
            for (int device = 0; device < clients.size(); device++) {
                if (interval > 0) {
                    long due = start + n * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                }
                send(device, seq);
                n++;
            }
        }
        for (Semaphore window : windows) {
            window.acquire(IN_FLIGHT_PER_DEVICE);
            window.release(IN_FLIGHT_PER_DEVICE);
        }
        return start;
    }

    private void send(int device, int seq) throws Exception {
        Semaphore window = windows.get(device);
        window.acquire();
        byte[] payload = ("{\"sensorType\":\"bench\",\"value\":" + seq + ",\"timestamp\":" + System.currentTimeMillis()
                        + ",\"device\":" + device + ",\"sentNanos\":" + System.nanoTime() + "}")
                .getBytes(StandardCharsets.UTF_8);
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        while (true) {
            try {
                clients.get(device).publish(topicOf.apply(device), message, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        window.release();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable cause) {
                        window.release();
                    }
                });
                return;
            } catch (MqttException e) {
                if (e.getReasonCode() != 32202) { // too many in flight: the client's own count lags the acks
                    throw e;
                }
                LockSupport.parkNanos(100_000);
            }
        }
    }

    @Override
    public void close() {
        for (MqttAsyncClient client : clients) {
            try {
                client.disconnect().waitForCompletion(2_000);
                client.close();
            } catch (MqttException e) {
                // benchmark teardown
            }
        }
    }
}
