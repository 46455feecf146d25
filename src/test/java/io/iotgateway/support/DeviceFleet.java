package io.iotgateway.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import org.eclipse.paho.mqttv5.client.DisconnectedBufferOptions;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttClientException;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;

/**
 * Simulated devices, one MQTT 5 connection each, publishing numbered messages at QoS 1 (benchmarks and the fault
 * suite). Each device keeps at most {@value #IN_FLIGHT_PER_DEVICE} publishes unacknowledged, as a real client must,
 * and publishes its messages in sequence order.
 *
 * <p>A fleet made to {@linkplain Options#survivingBrokerRestarts() survive broker restarts} behaves as a careful device
 * does: a persistent session (unacknowledged publishes are sent again after a reconnect), automatic reconnection, and
 * publishes buffered while the broker is away.
 */
public final class DeviceFleet implements AutoCloseable {

    private static final int IN_FLIGHT_PER_DEVICE = 10;

    /** The bytes device {@code device} sends as its message number {@code sequence}. */
    @FunctionalInterface
    public interface Payloads {
        byte[] of(int device, int sequence);
    }

    /** Told when the broker acknowledged (PUBACK) a device's message: from then on it is the gateway's to deliver. */
    @FunctionalInterface
    public interface Acknowledgements {
        void acknowledged(int device, int sequence);
    }

    public record Options(boolean persistentSessions, Payloads payloads, Acknowledgements acknowledgements) {

        /** Clean sessions, the benchmark payload (value = sequence, send time in nanoseconds), nobody told of acks. */
        public static Options benchmark() {
            return new Options(false, DeviceFleet::benchmarkPayload, (device, sequence) -> {});
        }

        public Options survivingBrokerRestarts() {
            return new Options(true, payloads, acknowledgements);
        }

        public Options payloads(Payloads value) {
            return new Options(persistentSessions, value, acknowledgements);
        }

        public Options acknowledgements(Acknowledgements value) {
            return new Options(persistentSessions, payloads, value);
        }
    }

    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final List<Semaphore> windows = new ArrayList<>();
    private final IntFunction<String> topicOf;
    private final Options options;
    private final AtomicLong failed = new AtomicLong();

    public DeviceFleet(String brokerUrl, int devices, String clientPrefix, IntFunction<String> topicOf)
            throws MqttException {
        this(brokerUrl, devices, clientPrefix, topicOf, Options.benchmark());
    }

    public DeviceFleet(String brokerUrl, int devices, String clientPrefix, IntFunction<String> topicOf, Options options)
            throws MqttException {
        this.topicOf = topicOf;
        this.options = options;
        for (int i = 0; i < devices; i++) {
            MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientPrefix + "-" + i, new MemoryPersistence());
            MqttConnectionOptions connection = new MqttConnectionOptions();
            connection.setCleanStart(!options.persistentSessions());
            if (options.persistentSessions()) {
                connection.setSessionExpiryInterval(3600L);
                connection.setAutomaticReconnect(true);
                connection.setAutomaticReconnectDelay(1, 2);
                DisconnectedBufferOptions buffer = new DisconnectedBufferOptions();
                buffer.setBufferEnabled(true);
                buffer.setBufferSize(IN_FLIGHT_PER_DEVICE * 10);
                buffer.setPersistBuffer(false);
                client.setBufferOpts(buffer);
            }
            client.connect(connection).waitForCompletion(10_000);
            clients.add(client);
            windows.add(new Semaphore(IN_FLIGHT_PER_DEVICE));
        }
    }

    public int size() {
        return clients.size();
    }

    /** Publishes whose delivery the device's client gave up on (never acknowledged by the broker). */
    public long failed() {
        return failed.get();
    }

    /**
     * Publishes {@code perDevice} messages from every device, round robin. With {@code ratePerSecond > 0} the sends
     * are paced to that total rate; otherwise as fast as the acknowledgements allow. A device whose window is full
     * (the broker is away) holds the round up; the pace catches up afterwards.
     *
     * @return the System.nanoTime() of the first send
     */
    public long publish(int perDevice, int ratePerSecond) throws Exception {
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
        MqttMessage message = new MqttMessage(options.payloads().of(device, seq));
        message.setQos(1);
        while (true) {
            try {
                clients.get(device).publish(topicOf.apply(device), message, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        options.acknowledgements().acknowledged(device, seq);
                        window.release();
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable cause) {
                        failed.incrementAndGet();
                        window.release();
                    }
                });
                return;
            } catch (MqttException e) {
                // Too many in flight: the client's own count lags the acks. Not connected (between a broker restart
                // and the reconnect, before buffering applies): the device tries again a moment later.
                if (e.getReasonCode() != MqttClientException.REASON_CODE_MAX_INFLIGHT
                        && e.getReasonCode() != MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED) {
                    throw e;
                }
                LockSupport.parkNanos(
                        e.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT ? 100_000 : 50_000_000);
            }
        }
    }

    private static byte[] benchmarkPayload(int device, int seq) {
        return ("{\"sensorType\":\"bench\",\"value\":" + seq + ",\"timestamp\":" + System.currentTimeMillis()
                        + ",\"device\":" + device + ",\"sentNanos\":" + System.nanoTime() + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        for (MqttAsyncClient client : clients) {
            try {
                if (client.isConnected()) {
                    client.disconnect().waitForCompletion(2_000);
                }
                client.close(true);
            } catch (MqttException e) {
                // teardown
            }
        }
    }
}
