package io.iotgateway.sparkplug;

import static io.iotgateway.support.SparkplugPayloads.metric;
import static io.iotgateway.support.SparkplugPayloads.payload;
import static io.iotgateway.support.SparkplugPayloads.withUnit;

import io.iotgateway.support.MessageCallback;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/**
 * A Sparkplug B edge node on a real MQTT connection, its payloads built with Eclipse Tahu: publishes births, data and
 * deaths at QoS 1 (waiting for the PUBACK, so the gateway took each) and records the commands it receives (NCMD).
 */
final class EdgeNode implements AutoCloseable {

    final String group;
    final String node;
    private final MqttClient client;
    private final List<SparkplugBPayload> commands = new CopyOnWriteArrayList<>();
    private final List<String> commandTopics = new CopyOnWriteArrayList<>();
    private long seq;
    private long bdSeq;

    EdgeNode(String brokerUrl, String group, String node) throws MqttException {
        this.group = group;
        this.node = node;
        client = new MqttClient(brokerUrl, "edge-" + UUID.randomUUID(), new MemoryPersistence());
        client.setCallback(new MessageCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                try {
                    commands.add(new SparkplugBPayloadDecoder().buildFromByteArray(message.getPayload(), null));
                    commandTopics.add(topic);
                } catch (Exception e) {
                    throw new IllegalStateException("undecodable command on " + topic, e);
                }
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
        client.subscribe("spBv1.0/" + group + "/NCMD/" + node, 0);
        client.subscribe("spBv1.0/" + group + "/DCMD/" + node + "/+", 0);
    }

    /** Whether the gateway asked this node for a rebirth ({@code Node Control/Rebirth} = true). */
    boolean rebirthRequested() {
        return commands.stream()
                .flatMap(p -> p.getMetrics().stream())
                .anyMatch(m -> "Node Control/Rebirth".equals(m.getName()) && Boolean.TRUE.equals(m.getValue()));
    }

    /** The value a DCMD on {@code topic} set {@code metric} to, or null when none arrived. */
    Object commanded(String topic, String metric) {
        for (int i = 0; i < commands.size() && i < commandTopics.size(); i++) {
            if (commandTopics.get(i).equals(topic)) {
                for (Metric m : commands.get(i).getMetrics()) {
                    if (metric.equals(m.getName())) {
                        return m.getValue();
                    }
                }
            }
        }
        return null;
    }

    void clearCommands() {
        commands.clear();
    }

    /** NBIRTH with seq 0 and a new bdSeq: one metric {@code Temperature} (alias 1, °C). */
    byte[] nodeBirth(double temperature) throws Exception {
        seq = 0;
        SparkplugBPayload payload = payload(
                seq,
                metric("bdSeq", null, MetricDataType.Int64, bdSeq),
                metric("Node Control/Rebirth", 2L, MetricDataType.Boolean, false),
                withUnit(metric("Temperature", 1L, MetricDataType.Double, temperature), "°C"));
        return publish("NBIRTH", null, payload);
    }

    /** DBIRTH: metric {@code Pressure} (alias 10, bar) and {@code Running} (alias 11, boolean). */
    byte[] deviceBirth(String device, float pressure) throws Exception {
        seq = (seq + 1) % 256;
        return publish(
                "DBIRTH",
                device,
                payload(
                        seq,
                        withUnit(metric("Pressure", 10L, MetricDataType.Float, pressure), "bar"),
                        metric("Running", 11L, MetricDataType.Boolean, true)));
    }

    /** DDATA of Pressure by alias only, at the given device time. */
    byte[] deviceData(String device, float pressure, Date time) throws Exception {
        seq = (seq + 1) % 256;
        Metric metric = metric(null, 10L, MetricDataType.Float, pressure);
        metric.setTimestamp(time);
        return publish("DDATA", device, payload(seq, metric));
    }

    /** NDATA of Temperature by alias only. */
    byte[] nodeData(double temperature) throws Exception {
        seq = (seq + 1) % 256;
        return publish("NDATA", null, payload(seq, metric(null, 1L, MetricDataType.Double, temperature)));
    }

    /** Loses {@code count} messages: the next one has a seq gap. */
    void skip(int count) {
        seq = (seq + count) % 256;
    }

    /** NDEATH of the current session (what the broker publishes as the node's will). */
    byte[] nodeDeath() throws Exception {
        SparkplugBPayload payload = new SparkplugBPayload.SparkplugBPayloadBuilder()
                .setTimestamp(new Date())
                .addMetric(metric("bdSeq", null, MetricDataType.Int64, bdSeq))
                .createPayload();
        byte[] bytes = new SparkplugBPayloadEncoder().getBytes(payload, false);
        publishRaw("spBv1.0/" + group + "/NDEATH/" + node, bytes);
        bdSeq++;
        return bytes;
    }

    void publishRaw(String topic, byte[] payload) throws MqttException {
        MqttMessage message = new MqttMessage(payload);
        message.setQos(1);
        client.publish(topic, message);
    }

    private byte[] publish(String type, String device, SparkplugBPayload payload) throws Exception {
        // As Sparkplug 3.0 asks, DATA leaves the metrics' data types out: the host knows them from the birth.
        byte[] bytes = new SparkplugBPayloadEncoder().getBytes(payload, type.endsWith("DATA"));
        publishRaw("spBv1.0/" + group + "/" + type + "/" + node + (device == null ? "" : "/" + device), bytes);
        return bytes;
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
