package io.iotgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * An Eclipse Mosquitto process on a free loopback port, if the mosquitto binary is installed. In the persistent mode
 * it keeps its sessions and queued messages in a directory and can be stopped (SIGTERM, it saves them on the way out)
 * and started again on the same port and data, as a restarted production broker would.
 */
public final class MosquittoBroker implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/mosquitto");

    private final int port;
    private final String version;
    private final Path config;
    private final Path log;
    private Process process;

    private MosquittoBroker(int port, String version, Path config, Path log) {
        this.port = port;
        this.version = version;
        this.config = config;
        this.log = log;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    public static MosquittoBroker startIfInstalled() {
        if (!installed() || Boolean.getBoolean("bench.embeddedBroker")) {
            return null;
        }
        try {
            int port = freePort();
            Path config = Files.createTempFile("mosquitto-bench", ".conf");
            Files.writeString(
                    config,
                    "listener " + port + " 127.0.0.1\nallow_anonymous true\nmax_queued_messages 1000000\n"
                            + "max_inflight_messages 0\npersistence false\nset_tcp_nodelay true\n");
            MosquittoBroker broker =
                    new MosquittoBroker(port, readVersion(), config, Path.of("target", "mosquitto-bench.log"));
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start mosquitto", e);
        }
    }

    /**
     * A broker that keeps sessions and queued messages in {@code dir} (saved every second and on stop). Callers check
     * {@link #installed()} first (with {@link InstalledTool#require}).
     */
    public static MosquittoBroker startPersistent(Path dir) {
        try {
            Path data = Files.createDirectories(dir.toAbsolutePath().resolve("data"));
            int port = freePort();
            Path config = dir.toAbsolutePath().resolve("mosquitto.conf");
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            "listener " + port + " 127.0.0.1",
                            "allow_anonymous true",
                            // Started as root, Mosquitto would switch to user mosquitto, who cannot write the data
                            // directory; staying the user who runs the tests keeps it writable.
                            "user " + System.getProperty("user.name"),
                            "persistence true",
                            "persistence_location " + data + "/",
                            "autosave_interval 1",
                            // A gateway that is down for a while gets everything queued for its session: room for
                            // a large backlog, and no per-client window beyond what the client's receive maximum sets.
                            "max_queued_messages 1000000",
                            "max_inflight_messages 0",
                            "set_tcp_nodelay true",
                            // -Dfaults.mosquittoLog=all logs every packet, e.g. to see the order Mosquitto delivers
                            // in (large: a line per packet). Without it, Mosquitto's default log types.
                            System.getProperty("faults.mosquittoLog", "").isBlank()
                                    ? ""
                                    : "log_type " + System.getProperty("faults.mosquittoLog"),
                            ""));
            MosquittoBroker broker = new MosquittoBroker(port, readVersion(), config, dir.resolve("mosquitto.log"));
            broker.start();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mosquitto", e);
        }
    }

    /** Starts (again) on this broker's port and data, and waits until it accepts connections. */
    public synchronized void start() {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Process started = new ProcessBuilder(BINARY.toString(), "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            process = started;
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroy, "mosquitto-reaper"));
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
                if (!started.isAlive()) {
                    throw new IllegalStateException("mosquitto exited; see " + log);
                }
                try (Socket probe = new Socket("127.0.0.1", port)) {
                    return true;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start mosquitto", e);
        }
    }

    /** SIGTERM, and waits (bounded) until it has saved its data and exited. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("mosquitto did not stop within 30 s; see " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return port;
    }

    /** The broker's operating-system process id (for measuring its CPU). */
    public synchronized long pid() {
        return process.pid();
    }

    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public String version() {
        return version;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static String readVersion() throws IOException {
        return new String(new ProcessBuilder(BINARY.toString(), "-h")
                        .start()
                        .getInputStream()
                        .readAllBytes())
                .lines()
                .findFirst()
                .orElse("mosquitto");
    }
}
