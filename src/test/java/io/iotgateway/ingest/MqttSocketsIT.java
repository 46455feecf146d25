package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.support.GatewayIntegrationTest;
import java.io.BufferedInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.SocketFactory;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Endpoint;
import org.junit.jupiter.api.Test;

/**
 * Every MQTT connection of the gateway, the command publisher's and each subscription's, has Nagle's algorithm off and
 * reads through a buffer (mqtt/MqttSockets).
 */
class MqttSocketsIT extends GatewayIntegrationTest {

    @Test
    void publisherAndSubscriptionsConnectWithoutNagleAndReadThroughABuffer() throws Exception {
        SocketFactory component = camel.getComponent("paho-mqtt5", PahoMqtt5Component.class)
                .getConfiguration()
                .getSocketFactory();
        SocketFactory subscription = ((PahoMqtt5Endpoint)
                        camel.getRoute("ingest-receive-devices").getEndpoint())
                .getConfiguration()
                .getSocketFactory();
        for (SocketFactory factory : new SocketFactory[] {component, subscription}) {
            assertThat(factory).isNotNull();
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    Socket socket = factory.createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                assertThat(socket.getTcpNoDelay()).isTrue();
                assertThat(socket.getInputStream()).isInstanceOf(BufferedInputStream.class);
            }
        }
    }
}
