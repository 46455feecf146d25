package io.iotgateway.telemetry;

import org.apache.camel.Message;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/**
 * The id a device may give a message (MQTT 5 user property {@code message-id}) so that its redeliveries map to the same
 * record id. Dead letters keep it in header {@code x-message-key}, so a replayed message gets the id it would have had.
 */
public final class DeviceMessageKey {

    public static final String USER_PROPERTY = "message-id";
    public static final String DEAD_LETTER_HEADER = "x-message-key";

    private DeviceMessageKey() {}

    /** The key of an MQTT message, or null when the device gave none. */
    public static String of(Message message) {
        MqttProperties properties =
                message.getHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, MqttProperties.class);
        if (properties == null || properties.getUserProperties() == null) {
            return null;
        }
        for (UserProperty property : properties.getUserProperties()) {
            if (USER_PROPERTY.equals(property.getKey())) {
                return property.getValue();
            }
        }
        return null;
    }

    /** MQTT properties carrying {@code key}, as a replayed message presents it to the ingest pipeline. */
    public static MqttProperties properties(String key) {
        MqttProperties properties = new MqttProperties();
        if (key != null) {
            properties.setUserProperties(java.util.List.of(new UserProperty(USER_PROPERTY, key)));
        }
        return properties;
    }
}
