package io.iotgateway.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.mqtt.MqttSockets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/**
 * A device with actuators, over a real MQTT connection: it receives commands on
 * {@code devices/<id>/commands/<component>} and reports back on the response topic with the correlation data, as a
 * real device would. Tests choose per component whether it applies the command, refuses it or stays silent; the
 * sandbox uses it to close the command loop.
 */
public final class SimulatedActuator implements AutoCloseable {

    public enum Behaviour {
        APPLY,
        REFUSE,
        IGNORE
    }

    /** A command as the device received it, and when. */
    public record Received(String topic, JsonNode payload, String correlation, String responseTopic, Instant at) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MqttClient client;
    private final Map<String, Behaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<String, Double> state = new ConcurrentHashMap<>();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> reported = new ConcurrentHashMap<>();
    // Paho must not publish from its own callback thread (it would wait for itself); replies go out from here.
    private final ExecutorService replies = Executors.newSingleThreadExecutor(r -> new Thread(r, "actuator-replies"));

    public SimulatedActuator(String brokerUrl, String... deviceIds) {
        try {
            client = new MqttClient(brokerUrl, "actuator-" + UUID.randomUUID(), new MemoryPersistence());
            client.setCallback((MessageCallback) this::onCommand);
            MqttConnectionOptions options = new MqttConnectionOptions();
            options.setCleanStart(true);
            options.setSocketFactory(MqttSockets.plain());
            options.setAutomaticReconnect(true);
            client.connect(options);
            for (String deviceId : deviceIds) {
                client.subscribe("devices/" + deviceId + "/commands/+", 1);
            }
        } catch (MqttException e) {
            throw new IllegalStateException("actuator cannot connect to " + brokerUrl, e);
        }
    }

    public SimulatedActuator behave(String component, Behaviour behaviour) {
        behaviours.put(component, behaviour);
        return this;
    }

    /** When the broker acknowledged the device's report, by the command's correlation data. */
    public Map<String, Instant> reported() {
        return Map.copyOf(reported);
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    /** The value the device last applied to a component of a device, or null. */
    public Double state(String deviceId, String component) {
        return state.get(deviceId + "/" + component);
    }

    /** Publishes a report of its own (not an answer to a command), e.g. someone pressed a button on the bike. */
    public void report(String topic, String json, byte[] correlation) {
        MqttMessage message = new MqttMessage(json.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        if (correlation != null) {
            MqttProperties properties = new MqttProperties();
            properties.setCorrelationData(correlation);
            message.setProperties(properties);
        }
        MqttDevice.publish(client, topic, message);
    }

    @Override
    public void close() {
        replies.shutdownNow();
        try {
            client.disconnect();
            client.close();
        } catch (MqttException e) {
            // a test device going away; the broker drops it either way
        }
    }

    private void onCommand(String topic, MqttMessage message) throws IOException {
        MqttProperties properties = message.getProperties();
        byte[] correlation = properties == null ? null : properties.getCorrelationData();
        String commandId = correlation == null ? null : new String(correlation, StandardCharsets.UTF_8);
        String responseTopic = properties == null ? null : properties.getResponseTopic();
        JsonNode payload = JSON.readTree(message.getPayload());
        received.add(new Received(topic, payload, commandId, responseTopic, Instant.now()));
        String component = topic.substring(topic.lastIndexOf('/') + 1);
        Behaviour behaviour = behaviours.getOrDefault(component, Behaviour.APPLY);
        if (behaviour == Behaviour.IGNORE || responseTopic == null) {
            return;
        }
        String reply;
        if (behaviour == Behaviour.APPLY) {
            double value = payload.path("value").asDouble();
            state.put(payload.path("deviceId").asText() + "/" + component, value);
            reply = "{\"status\":\"ok\",\"value\":" + value + "}";
        } else {
            reply = "{\"status\":\"error\",\"reason\":\"" + component + " is locked\"}";
        }
        replies.execute(() -> {
            report(responseTopic, reply, correlation);
            if (commandId != null) {
                reported.put(commandId, Instant.now());
            }
        });
    }
}
