package io.iotgateway.mqtt;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * The sockets of the gateway's MQTT connections.
 *
 * <p>All have Nagle's algorithm off. MQTT packets are small and each waits for an answer (a command's PUBACK, a
 * device's report, the ingest's acknowledgements): with Nagle on, a small packet sent while an earlier one is
 * unacknowledged waits for the peer's delayed ACK, up to 40 ms on Linux. Paho does not set TCP_NODELAY itself.
 *
 * <p>Plain sockets also read through a buffer. Paho reads each packet's fixed header a byte at a time from the
 * socket's stream, so every incoming packet cost three or more {@code read} system calls; through the buffer, one call
 * takes in as many queued packets as fit. (A TLS socket's stream already serves reads from its decrypted record.)
 *
 * <p>Paho accepts only a plain factory for {@code tcp://} and only an {@link SSLSocketFactory} for {@code ssl://},
 * hence two wrappers. Upstream: no issue filed for Paho's Java client (the C client's for Nagle is
 * eclipse-paho/paho.mqtt.c#530).
 */
public final class MqttSockets {

    /** Room for a few dozen telemetry messages per system call when the broker has a backlog for us. */
    static final int INPUT_BUFFER_BYTES = 16 * 1024;

    private MqttSockets() {}

    /** A factory for {@code tcp://} brokers. */
    public static SocketFactory plain() {
        return new Plain();
    }

    /** {@code tls} with TCP_NODELAY, for {@code ssl://} brokers. */
    public static SSLSocketFactory tls(SSLSocketFactory tls) {
        return new Tls(tls);
    }

    private static <S extends Socket> S noDelay(S socket) throws IOException {
        socket.setTcpNoDelay(true);
        return socket;
    }

    private static final class Plain extends SocketFactory {

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(new BufferedInputSocket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connected(new InetSocketAddress(InetAddress.getByName(host), port), null);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return connected(
                    new InetSocketAddress(InetAddress.getByName(host), port),
                    new InetSocketAddress(localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
        }

        /** A socket connected to {@code remote}, from {@code local} if given; closed again if that fails. */
        private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
            Socket socket = createSocket();
            try {
                if (local != null) {
                    socket.bind(local);
                }
                socket.connect(remote);
                return socket;
            } catch (IOException | RuntimeException e) {
                try {
                    socket.close();
                } catch (IOException closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
    }

    /** A plain socket whose input stream is buffered; Paho reads it from its one receiving thread. */
    private static final class BufferedInputSocket extends Socket {
        private InputStream input;

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            InputStream socketInput = super.getInputStream(); // fails as a plain socket's would, once closed
            if (input == null) {
                input = new BufferedInputStream(socketInput, INPUT_BUFFER_BYTES);
            }
            return input;
        }
    }

    private static final class Tls extends SSLSocketFactory {
        private final SSLSocketFactory delegate;

        Tls(SSLSocketFactory delegate) {
            this.delegate = delegate;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
            return noDelay(delegate.createSocket(socket, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return noDelay(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
