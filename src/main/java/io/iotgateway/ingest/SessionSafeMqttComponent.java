package io.iotgateway.ingest;

import java.util.Map;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Consumer;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttClientPersistence;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.springframework.stereotype.Component;

/**
 * The {@code mqtt-ingest:} endpoint: camel-paho-mqtt5 with its consumer's start-up order fixed.
 *
 * <p>The stock consumer connects first and installs its message callback afterwards. With a persistent session the
 * broker resends every un-acknowledged message right after CONNACK, so a message can arrive before the callback
 * exists: it is then neither processed nor acknowledged, and sits in the session until the next reconnect. Here the
 * client connects only once the callback is in place. Connection settings come from the {@code paho-mqtt5} component
 * (configured in application.yaml under {@code camel.component.paho-mqtt5}).
 */
@Component(SessionSafeMqttComponent.SCHEME)
class SessionSafeMqttComponent extends PahoMqtt5Component {

    static final String SCHEME = "mqtt-ingest";

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        PahoMqtt5Component configured = getCamelContext().getComponent("paho-mqtt5", PahoMqtt5Component.class);
        PahoMqtt5Configuration configuration = configured.getConfiguration().copy();
        // The only endpoint option this scheme takes; the generated option configurers know the stock scheme only.
        Object clientId = parameters.remove("clientId");
        if (clientId != null) {
            configuration.setClientId(clientId.toString());
        }
        if (!parameters.isEmpty()) {
            throw new IllegalArgumentException(
                    SCHEME + " takes only the clientId option; set the others under camel.component.paho-mqtt5, not "
                            + parameters.keySet());
        }
        return new SessionSafeEndpoint(uri, remaining, this, configuration);
    }

    static final class SessionSafeEndpoint extends PahoMqtt5Endpoint {

        SessionSafeEndpoint(
                String uri, String topic, PahoMqtt5Component component, PahoMqtt5Configuration configuration) {
            super(uri, topic, component, configuration);
        }

        @Override
        public Consumer createConsumer(Processor processor) throws Exception {
            SessionSafeConsumer consumer = new SessionSafeConsumer(this, processor);
            configureConsumer(consumer);
            return consumer;
        }

        MqttClient newClient() throws MqttException {
            PahoMqtt5Configuration configuration = getConfiguration();
            MqttClientPersistence persistence = createMqttClientPersistence(configuration);
            CallbackFirstClient client = new CallbackFirstClient(
                    configuration.getBrokerUrl(),
                    configuration.getClientId(),
                    persistence,
                    createMqttConnectionOptions());
            client.setManualAcks(configuration.isManualAcksEnabled());
            return client;
        }
    }

    /** Hands the stock consumer a client that is not connected yet; it connects when the callback is set. */
    static final class SessionSafeConsumer extends PahoMqtt5Consumer {

        SessionSafeConsumer(SessionSafeEndpoint endpoint, Processor processor) {
            super(endpoint, processor);
        }

        @Override
        protected void doStart() throws Exception {
            setClient(((SessionSafeEndpoint) getEndpoint()).newClient());
            super.doStart();
        }

        @Override
        protected void doStop() throws Exception {
            MqttClient client = getClient();
            // A client handed in from outside is not disconnected by the stock consumer: that is ours to do.
            super.doStop();
            if (client != null) {
                try {
                    if (client.isConnected()) {
                        client.disconnect();
                    }
                } finally {
                    client.close();
                }
            }
        }
    }

    static final class CallbackFirstClient extends MqttClient {

        private final MqttConnectionOptions options;

        CallbackFirstClient(
                String brokerUrl, String clientId, MqttClientPersistence persistence, MqttConnectionOptions options)
                throws MqttException {
            super(brokerUrl, clientId, persistence);
            this.options = options;
        }

        @Override
        public void setCallback(MqttCallback callback) {
            super.setCallback(callback);
            if (!isConnected()) {
                try {
                    connect(options);
                } catch (MqttException e) {
                    throw new RuntimeCamelException(
                            "Unable to connect to " + getServerURI() + ": " + e.getMessage(), e);
                }
            }
        }
    }
}
