package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

class NoDelaySocketsTest {

    @Test
    void plainSocketsHaveNagleOff() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket unconnected = NoDelaySockets.plain().createSocket();
                Socket connected =
                        NoDelaySockets.plain().createSocket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
            assertThat(unconnected.getTcpNoDelay()).isTrue();
            assertThat(connected.getTcpNoDelay()).isTrue();
            assertThat(NoDelaySockets.plain()).isNotInstanceOf(SSLSocketFactory.class);
        }
    }

    @Test
    void tlsSocketsHaveNagleOffAndStayTls() throws Exception {
        SSLSocketFactory tls = NoDelaySockets.tls(SSLContext.getDefault().getSocketFactory());
        try (Socket socket = tls.createSocket()) {
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
        assertThat(tls.getSupportedCipherSuites()).isNotEmpty();
    }
}
