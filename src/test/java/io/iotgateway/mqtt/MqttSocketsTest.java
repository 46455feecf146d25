package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import org.junit.jupiter.api.Test;

class MqttSocketsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void plainSocketsHaveNagleOffAndReadThroughABuffer() throws Exception {
        SocketFactory plain = MqttSockets.plain();
        try (ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
                Socket unconnected = plain.createSocket();
                Socket connected = plain.createSocket(LOOPBACK, server.getLocalPort());
                Socket peer = server.accept()) {
            assertThat(unconnected.getTcpNoDelay()).isTrue();
            assertThat(connected.getTcpNoDelay()).isTrue();
            assertThat(plain).isNotInstanceOf(SSLSocketFactory.class);
            assertThat(connected.getInputStream())
                    .isInstanceOf(BufferedInputStream.class)
                    .isSameAs(connected.getInputStream());

            // Two packets in one write, read as Paho reads them: header bytes one at a time, then the rest whole.
            byte[] packets = {0x30, 3, 'a', 'b', 'c', 0x40, 2, 0, 1};
            try (OutputStream out = peer.getOutputStream()) {
                out.write(packets);
            }
            DataInputStream in = new DataInputStream(connected.getInputStream());
            for (int packet = 0; packet < 2; packet++) {
                byte type = in.readByte();
                byte[] rest = new byte[in.readByte()];
                in.readFully(rest);
                assertThat(type).isEqualTo(packet == 0 ? (byte) 0x30 : (byte) 0x40);
                assertThat(rest).isEqualTo(packet == 0 ? new byte[] {'a', 'b', 'c'} : new byte[] {0, 1});
            }
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void plainSocketsConnectAsTheJdksDoAndFailClearly() throws Exception {
        SocketFactory plain = MqttSockets.plain();
        try (ServerSocket server = new ServerSocket(0, 2, LOOPBACK);
                Socket connected = plain.createSocket("localhost", server.getLocalPort(), LOOPBACK, 0);
                Socket noHost = plain.createSocket((String) null, server.getLocalPort())) {
            assertThat(connected.isConnected()).isTrue();
            assertThat(connected.getLocalAddress()).isEqualTo(LOOPBACK);
            assertThat(connected.getTcpNoDelay()).isTrue();
            // as new Socket(null, port): the loopback address
            assertThat(noHost.getInetAddress().isLoopbackAddress()).isTrue();
            connected.getInputStream();
            connected.close();
            assertThatThrownBy(connected::getInputStream).isInstanceOf(SocketException.class);
        }
        int closedPort;
        try (ServerSocket closed = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = closed.getLocalPort();
        }
        assertThatThrownBy(() -> plain.createSocket(LOOPBACK, closedPort)).isInstanceOf(IOException.class);
    }

    @Test
    void tlsSocketsHaveNagleOffAndStayTls() throws Exception {
        SSLSocketFactory tls = MqttSockets.tls(SSLContext.getDefault().getSocketFactory());
        try (Socket socket = tls.createSocket()) {
            assertThat(socket.getTcpNoDelay()).isTrue();
        }
        assertThat(tls.getSupportedCipherSuites()).isNotEmpty();
    }
}
