package io.iotgateway.telemetry;

import java.util.List;
import org.apache.camel.Message;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;

/** The MQTT 5 user properties of a message as the paho consumer delivered it. */
public final class MqttUserProperties {

    private MqttUserProperties() {}

    /** The user properties in order, empty when there are none. */
    public static List<UserProperty> of(Message message) {
        MqttProperties properties =
                message.getHeader(PahoMqtt5Constants.CAMEL_PAHO_MSG_PROPERTIES, MqttProperties.class);
        if (properties == null || properties.getUserProperties() == null) {
            return List.of();
        }
        return properties.getUserProperties();
    }
}
