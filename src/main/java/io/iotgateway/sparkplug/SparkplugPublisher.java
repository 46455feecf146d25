package io.iotgateway.sparkplug;

import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Constants;
import org.springframework.stereotype.Component;

/** Publishes Sparkplug B commands (NCMD, DCMD: rebirth requests and commands) with the gateway's own MQTT client. */
@Component
class SparkplugPublisher {

    /** Its own client id: the Sparkplug family's subscription already uses {@code <client-id>-sparkplug}. */
    static final String ENDPOINT =
            "paho-mqtt5:" + SparkplugTopic.NAMESPACE + "?clientId={{gateway.mqtt.client-id}}-sparkplug-ncmd&qos=0";

    private final CamelContext camel;
    private volatile ProducerTemplate template;

    SparkplugPublisher(CamelContext camel) {
        this.camel = camel;
    }

    /** Asks an edge node to publish its NBIRTH and DBIRTHs again (NCMD {@code Node Control/Rebirth} = true). */
    void request(String group, String edgeNode, byte[] ncmd) {
        publish(SparkplugTopic.commandTopic(group, edgeNode, null), ncmd);
    }

    /** Publishes a command payload; synchronous, so a broker that refuses it fails the caller. */
    void publish(String topic, byte[] payload) {
        producer().sendBodyAndHeader(ENDPOINT, payload, PahoMqtt5Constants.CAMEL_PAHO_OVERRIDE_TOPIC, topic);
    }

    private ProducerTemplate producer() {
        ProducerTemplate current = template;
        if (current == null) {
            synchronized (this) {
                current = template;
                if (current == null) {
                    current = camel.createProducerTemplate();
                    template = current;
                }
            }
        }
        return current;
    }
}
