package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import java.net.Socket;
import javax.net.SocketFactory;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.junit.jupiter.api.Test;

/** Every MQTT connection of the gateway, the command publisher's and each subscription's, has Nagle's algorithm off. */
class MqttSocketsIT extends GatewayIntegrationTest {

    @Test
    void publisherAndSubscriptionsConnectWithoutNagle() throws Exception {
        SocketFactory component = camel.getComponent("paho-mqtt5", PahoMqtt5Component.class)
                .getConfiguration()
                .getSocketFactory();
        SocketFactory subscription = ((PahoMqtt5Endpoint)
                        camel.getRoute("ingest-receive-devices").getEndpoint())
                .getConfiguration()
                .getSocketFactory();
        for (SocketFactory factory : new SocketFactory[] {component, subscription}) {
            assertThat(factory).isNotNull();
            try (Socket socket = factory.createSocket()) {
                assertThat(socket.getTcpNoDelay()).isTrue();
            }
        }
    }
}
