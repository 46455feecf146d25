package io.iotgateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP link between clients and a server (Kafka, MongoDB) that a test can break the ways a network or a server breaks:
 * {@link #refuse()} (the server is stopped: connections are reset and new ones refused) and {@link #hang()} (the server
 * hangs: connections are accepted, bytes are neither forwarded nor answered). {@link #restore()} brings it back.
 */
public final class FaultyLink implements AutoCloseable {

    private final int port;
    private final InetSocketAddress upstream;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final Object gate = new Object();
    private volatile boolean hanging;
    private volatile ServerSocket listener;

    /** Listens on {@code port} (127.0.0.1) and forwards to {@code upstreamPort} on the same host. */
    public FaultyLink(int port, int upstreamPort) {
        this.port = port;
        this.upstream = new InetSocketAddress("127.0.0.1", upstreamPort);
        listen();
    }

    public int port() {
        return port;
    }

    /** Like a stopped server: open connections are reset, new ones refused, until {@link #restore()}. */
    public synchronized void refuse() {
        ServerSocket open = listener;
        listener = null;
        closeQuietly(open);
        sockets.forEach(FaultyLink::closeQuietly);
        sockets.clear();
    }

    /** Like a hung server: connections stay open and new ones are accepted, but nothing goes through. */
    public void hang() {
        hanging = true;
    }

    /** Back to normal: listening and forwarding. Bytes held while hanging go through now. */
    public synchronized void restore() {
        synchronized (gate) {
            hanging = false;
            gate.notifyAll();
        }
        if (listener == null) {
            listen();
        }
    }

    @Override
    public synchronized void close() {
        closeQuietly(listener);
        listener = null;
        sockets.forEach(FaultyLink::closeQuietly);
        synchronized (gate) {
            hanging = false;
            gate.notifyAll();
        }
    }

    private void listen() {
        try {
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress("127.0.0.1", port));
            listener = server;
            Thread accepting = new Thread(() -> accept(server), "faulty-link-" + port);
            accepting.setDaemon(true);
            accepting.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + port, e);
        }
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread connecting = new Thread(() -> connect(client), "faulty-link-connect-" + port);
                connecting.setDaemon(true);
                connecting.start();
            } catch (IOException e) {
                return; // refused or closed
            }
        }
    }

    private void connect(Socket client) {
        awaitGate();
        try {
            Socket server = new Socket();
            server.connect(upstream, 5_000);
            sockets.add(server);
            pump(client, server);
            pump(server, client);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread pumping = new Thread(
                () -> {
                    byte[] buffer = new byte[16 * 1024];
                    try {
                        int read;
                        while ((read = in.read(buffer)) >= 0) {
                            awaitGate();
                            out.write(buffer, 0, read);
                            out.flush();
                        }
                    } catch (IOException e) {
                        // one side went away (or the link was refused): take the other side down too
                    } finally {
                        closeQuietly(from);
                        closeQuietly(to);
                        sockets.remove(from);
                        sockets.remove(to);
                    }
                },
                "faulty-link-pump-" + port);
        pumping.setDaemon(true);
        pumping.start();
    }

    private void awaitGate() {
        synchronized (gate) {
            while (hanging) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (SocketException e) {
            // already closed
        } catch (Exception e) {
            // closing anyway
        }
    }
}
