package io.iotgateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
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
 * <p>A fleet made to {@linkplain Options#survivingBrokerRestarts() survive broker restarts} behaves as a simple careful
 * device does: when its connection is lost it connects again (fresh connection, same client id) and carries on with
 * its next message; publishes that were in flight are given up. Given-up publishes were never acknowledged by the
 * broker, so nobody owes their delivery; they are counted ({@link #failed()}). (Paho's session resume and offline
 * buffer are not used: after an embedded broker restart some clients neither reconnected nor completed their
 * in-flight publishes, and the device waited forever.)
 */
public final class DeviceFleet implements AutoCloseable {

    private static final int IN_FLIGHT_PER_DEVICE = 10;
    private static final Duration GIVE_UP = Duration.ofSeconds(10);
    private static final Set<Integer> RECONNECTING = Set.of(
            (int) MqttClientException.REASON_CODE_CLIENT_NOT_CONNECTED,
            (int) MqttClientException.REASON_CODE_CLIENT_DISCONNECTING,
            (int) MqttClientException.REASON_CODE_CONNECT_IN_PROGRESS);

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

    public record Options(boolean reconnecting, Payloads payloads, Acknowledgements acknowledgements) {

        /** Clean sessions, the benchmark payload (value = sequence, send time in nanoseconds), nobody told of acks. */
        public static Options benchmark() {
            return new Options(false, DeviceFleet::benchmarkPayload, (device, sequence) -> {});
        }

        /** Devices that connect again by themselves when the broker goes away (see the class comment). */
        public Options survivingBrokerRestarts() {
            return new Options(true, payloads, acknowledgements);
        }

        public Options payloads(Payloads value) {
            return new Options(reconnecting, value, acknowledgements);
        }

        public Options acknowledgements(Acknowledgements value) {
            return new Options(reconnecting, payloads, value);
        }
    }

    private final String brokerUrl;
    private final String clientPrefix;
    private final List<MqttAsyncClient> clients = new ArrayList<>();
    private final List<Semaphore> windows = new ArrayList<>();
    private final List<Set<Integer>> outstanding = new ArrayList<>();
    private final IntFunction<String> topicOf;
    private final Options options;
    private final AtomicLong failed = new AtomicLong();

    public DeviceFleet(String brokerUrl, int devices, String clientPrefix, IntFunction<String> topicOf)
            throws MqttException {
        this(brokerUrl, devices, clientPrefix, topicOf, Options.benchmark());
    }

    public DeviceFleet(String brokerUrl, int devices, String clientPrefix, IntFunction<String> topicOf, Options options)
            throws MqttException {
        this.brokerUrl = brokerUrl;
        this.clientPrefix = clientPrefix;
        this.topicOf = topicOf;
        this.options = options;
        // All at once: one after the other, a hundred devices took 20 s to connect to Mosquitto.
        List<IMqttToken> connecting = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            MqttAsyncClient client = client(i);
            connecting.add(client.connect(connectionOptions()));
            clients.add(client);
            windows.add(new Semaphore(IN_FLIGHT_PER_DEVICE));
            outstanding.add(ConcurrentHashMap.newKeySet());
        }
        for (IMqttToken token : connecting) {
            token.waitForCompletion(10_000);
        }
    }

    private MqttAsyncClient connect(int device) throws MqttException {
        MqttAsyncClient client = client(device);
        client.connect(connectionOptions()).waitForCompletion(10_000);
        return client;
    }

    private MqttAsyncClient client(int device) throws MqttException {
        return new MqttAsyncClient(brokerUrl, clientPrefix + "-" + device, new MemoryPersistence());
    }

    private static MqttConnectionOptions connectionOptions() {
        MqttConnectionOptions connection = new MqttConnectionOptions();
        connection.setCleanStart(true);
        connection.setConnectionTimeout(5);
        return connection;
    }

    public int size() {
        return clients.size();
    }

    /** Devices connected to the broker right now. */
    public long connected() {
        return clients.stream().filter(MqttAsyncClient::isConnected).count();
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
        for (int device = 0; device < clients.size(); device++) {
            Semaphore window = windows.get(device);
            acquire(device, IN_FLIGHT_PER_DEVICE);
            window.release(IN_FLIGHT_PER_DEVICE);
        }
        return start;
    }

    private void send(int device, int seq) throws Exception {
        Semaphore window = windows.get(device);
        Set<Integer> pending = outstanding.get(device);
        acquire(device, 1);
        pending.add(seq);
        MqttMessage message = new MqttMessage(options.payloads().of(device, seq));
        message.setQos(1);
        while (true) {
            try {
                clients.get(device).publish(topicOf.apply(device), message, null, new MqttActionListener() {
                    @Override
                    public void onSuccess(IMqttToken token) {
                        // Acknowledged is acknowledged, even after the device gave up waiting for it.
                        options.acknowledgements().acknowledged(device, seq);
                        if (pending.remove(seq)) {
                            window.release();
                        } else {
                            failed.decrementAndGet(); // given up too early: it was not a failure after all
                        }
                    }

                    @Override
                    public void onFailure(IMqttToken token, Throwable cause) {
                        if (pending.remove(seq)) {
                            failed.incrementAndGet();
                            window.release();
                        }
                    }
                });
                return;
            } catch (MqttException e) {
                // Too many in flight: the client's own count lags the acks. Not connected (the broker is away, the
                // client reconnects by itself): the device tries again a moment later.
                if (e.getReasonCode() == MqttClientException.REASON_CODE_MAX_INFLIGHT) {
                    LockSupport.parkNanos(100_000);
                } else if (options.reconnecting() && RECONNECTING.contains((int) e.getReasonCode())) {
                    reconnect(device);
                } else {
                    throw e;
                }
            }
        }
    }

    /** The device lost its connection: it gives up what was in flight and connects again until it is back. */
    private void reconnect(int device) {
        MqttAsyncClient lost = clients.get(device);
        giveUp(device);
        try {
            lost.close(true);
        } catch (MqttException e) {
            // already gone
        }
        while (true) {
            try {
                clients.set(device, connect(device));
                return;
            } catch (MqttException e) {
                LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
            }
        }
    }

    private void giveUp(int device) {
        Semaphore window = windows.get(device);
        Set<Integer> pending = outstanding.get(device);
        for (Integer seq : List.copyOf(pending)) {
            if (pending.remove(seq)) {
                failed.incrementAndGet();
                window.release();
            }
        }
    }

    /**
     * Takes {@code permits} of the device's in-flight window. A device that survives broker restarts does not wait
     * for a PUBACK longer than {@link #GIVE_UP}: it connects again if its connection is gone, else gives up those
     * publishes.
     */
    private void acquire(int device, int permits) throws InterruptedException {
        Semaphore window = windows.get(device);
        if (!options.reconnecting()) {
            window.acquire(permits);
            return;
        }
        while (!window.tryAcquire(permits, GIVE_UP.toMillis(), TimeUnit.MILLISECONDS)) {
            if (clients.get(device).isConnected()) {
                giveUp(device);
            } else {
                reconnect(device);
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
