package io.iotgateway.sandbox;

import static io.iotgateway.support.SparkplugPayloads.metric;
import static io.iotgateway.support.SparkplugPayloads.payload;
import static io.iotgateway.support.SparkplugPayloads.withUnit;

import io.iotgateway.support.MessageCallback;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sandbox's Sparkplug B edge node {@code plant-1/gw-1} with two pumps, its payloads built with Eclipse Tahu: births
 * at start (and its NDEATH as the MQTT will), pump data by alias, and births again when the gateway asks for a rebirth.
 * Now and then it drops a message, so the gateway's gap detection and rebirth request show in the sandbox.
 */
final class SimulatedEdgeNode implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatedEdgeNode.class);

    static final String GROUP = "plant-1";
    static final String NODE = "gw-1";
    private static final List<String> PUMPS = List.of("pump-1", "pump-2");
    private static final String PREFIX = "spBv1.0/" + GROUP + "/";

    private final MqttClient client;
    private final long bdSeq = System.currentTimeMillis() / 1000 % 256;
    private volatile boolean rebirthRequested = true;
    private long seq;

    SimulatedEdgeNode(String brokerUrl) throws Exception {
        client = new MqttClient(brokerUrl, "sandbox-edge-" + GROUP + "-" + NODE, new MemoryPersistence());
        client.setCallback(new MessageCallback() {
            @Override
            public void messageArrived(String topic, MqttMessage message) {
                try {
                    SparkplugBPayload command =
                            new SparkplugBPayloadDecoder().buildFromByteArray(message.getPayload(), null);
                    // Paho must not publish from its callback thread: the next tick sends the births.
                    if (command.getMetrics().stream()
                            .anyMatch(m ->
                                    "Node Control/Rebirth".equals(m.getName()) && Boolean.TRUE.equals(m.getValue()))) {
                        LOG.info("edge node {}/{}: rebirth requested", GROUP, NODE);
                        rebirthRequested = true;
                    }
                } catch (Exception e) {
                    LOG.warn("edge node {}/{}: undecodable command: {}", GROUP, NODE, e.getMessage());
                }
            }
        });
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        // The broker announces the node's death if the simulator goes away without saying so.
        MqttMessage will = new MqttMessage(encode(payload(null, metric("bdSeq", null, MetricDataType.Int64, bdSeq))));
        will.setQos(1);
        options.setWill(PREFIX + "NDEATH/" + NODE, will);
        client.connect(options);
        client.subscribe(PREFIX + "NCMD/" + NODE, 0);
    }

    /** One second of the edge node's life: births when due, then each pump's data. */
    void tick(long tick) throws Exception {
        if (rebirthRequested) {
            rebirthRequested = false;
            births();
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (tick % 120 == 60) {
            // a message lost on the way: the gateway sees the gap and asks for a rebirth
            seq = (seq + 1) % 256;
        }
        for (int i = 0; i < PUMPS.size(); i++) {
            double flow = 12 + 4 * Math.sin((tick + i * 30) / 40.0) + random.nextGaussian() * 0.2;
            publish(
                    "DDATA/" + NODE + "/" + PUMPS.get(i),
                    payload(
                            next(),
                            metric(null, 10L, MetricDataType.Float, (float) (2 + flow / 10)),
                            metric(null, 11L, MetricDataType.Double, flow)));
        }
    }

    private void births() throws Exception {
        seq = 0;
        publish(
                "NBIRTH/" + NODE,
                payload(
                        0L,
                        metric("bdSeq", null, MetricDataType.Int64, bdSeq),
                        metric("Node Control/Rebirth", 1L, MetricDataType.Boolean, false),
                        withUnit(metric("Temperature", 2L, MetricDataType.Double, 31.5), "°C")));
        for (String pump : PUMPS) {
            publish(
                    "DBIRTH/" + NODE + "/" + pump,
                    payload(
                            next(),
                            withUnit(metric("Pressure", 10L, MetricDataType.Float, 3.1f), "bar"),
                            withUnit(metric("FlowRate", 11L, MetricDataType.Double, 12.0), "m3/h"),
                            metric("Running", 12L, MetricDataType.Boolean, true)));
        }
    }

    private long next() {
        seq = (seq + 1) % 256;
        return seq;
    }

    private void publish(String topic, SparkplugBPayload payload) throws Exception {
        // DATA without data types, as Sparkplug 3.0 asks: the births announced them
        MqttMessage message =
                new MqttMessage(new SparkplugBPayloadEncoder().getBytes(payload, topic.startsWith("DDATA")));
        message.setQos(1);
        client.publish(PREFIX + topic, message);
    }

    private static byte[] encode(SparkplugBPayload payload) throws Exception {
        return new SparkplugBPayloadEncoder().getBytes(payload, false);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) {
                // a clean goodbye: the node's death, as its will would announce it
                MqttMessage death =
                        new MqttMessage(encode(payload(null, metric("bdSeq", null, MetricDataType.Int64, bdSeq))));
                death.setQos(1);
                client.publish(PREFIX + "NDEATH/" + NODE, death);
                client.disconnect();
            }
            client.close();
        } catch (Exception e) {
            LOG.debug("edge node close: {}", e.getMessage());
        }
    }
}
