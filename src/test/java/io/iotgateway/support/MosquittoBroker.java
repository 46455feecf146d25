package io.iotgateway.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/** An Eclipse Mosquitto process on a free loopback port, if the mosquitto binary is installed. */
public final class MosquittoBroker {

    private static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final int port;
    private final String version;

    private MosquittoBroker(int port, String version) {
        this.port = port;
        this.version = version;
    }

    public static MosquittoBroker startIfInstalled() {
        if (!Files.isExecutable(BINARY) || Boolean.getBoolean("bench.embeddedBroker")) {
            return null;
        }
        try {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            Path config = Files.createTempFile("mosquitto-bench", ".conf");
            Files.writeString(
                    config,
                    "listener " + port + " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n"
                            + "max_inflight_messages 0\npersistence false\nset_tcp_nodelay true\n");
            Process process = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(Path.of("target", "mosquitto-bench.log").toFile())
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                try (Socket probe = new Socket("127.0.0.1", port)) {
                    return true;
                }
            });
            String version = new String(new ProcessBuilder(BINARY.toString(), "-h")
                            .start()
                            .getInputStream()
                            .readAllBytes())
                    .lines()
                    .findFirst()
                    .orElse("mosquitto");
            return new MosquittoBroker(port, version);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start mosquitto", e);
        }
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public String version() {
        return version;
    }
}
