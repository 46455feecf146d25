package io.iotgateway.support;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * Real brokers in the JVM: HiveMQ CE (MQTT 5), a KRaft Kafka broker and a MongoDB wire-protocol server. Used by the
 * test suite (random ports, in-memory) and by the sandbox (standard ports, MongoDB data on disk).
 */
public final class EmbeddedBrokers implements AutoCloseable {

    /** Every port {@link #freePort()} gave out. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /** Topics the gateway writes, created up front with several partitions so per-device ordering is exercised. */
    private static final String[] GATEWAY_TOPICS = {
        "device.telemetry",
        "device.telemetry.dlq",
        "device.alerts",
        "iot-aggregate-metrics-by-sensor",
        "iot-aggregate-metrics-by-place",
        "bike.sessions"
    };

    public static final int PARTITIONS = 4;

    /** The topics the gateway writes that tests create up front (with {@link #PARTITIONS} partitions). */
    public static List<String> gatewayTopics() {
        return List.of(GATEWAY_TOPICS);
    }

    public record Ports(int mqtt, int kafka, int mongo) {
        public static Ports standard() {
            return new Ports(1883, 9092, 27017);
        }

        public static Ports random() {
            return new Ports(freePort(), freePort(), freePort());
        }
    }

    private final Ports ports;
    private final EmbeddedHiveMQ mqtt;
    private final EmbeddedKafkaKraftBroker kafka;
    private final Supplier<MongoBackend> mongoBackends;
    private MongoServer mongo;

    private EmbeddedBrokers(
            Ports ports, EmbeddedHiveMQ mqtt, EmbeddedKafkaKraftBroker kafka, Supplier<MongoBackend> mongoBackends) {
        this.ports = ports;
        this.mqtt = mqtt;
        this.kafka = kafka;
        this.mongoBackends = mongoBackends;
    }

    /**
     * @param mongoFile file for MongoDB data that survives a restart, or null for memory only
     */
    public static EmbeddedBrokers start(Ports ports, Path workDir, Path mongoFile) {
        try {
            Files.createDirectories(workDir);
            EmbeddedHiveMQ mqtt = startMqtt(tcpListener(ports.mqtt()), workDir.resolve("hivemq"), false, null);
            EmbeddedKafkaKraftBroker kafka = startKafka(ports.kafka(), ports.kafka(), workDir.resolve("kafka"));
            Supplier<MongoBackend> backends;
            if (mongoFile == null) {
                // One backend for every start: an outage (stopMongo/startMongo) must not wipe the shared database.
                MemoryBackend memory = new DurableMemoryBackend();
                backends = () -> memory;
            } else {
                Files.createDirectories(mongoFile.toAbsolutePath().getParent());
                backends = () -> new H2Backend(mongoFile.toString());
            }
            EmbeddedBrokers brokers = new EmbeddedBrokers(ports, mqtt, kafka, backends);
            brokers.startMongo();
            return brokers;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Keeps its data when the server closes it. A stopped server closes its backend, and a memory backend then forgets
     * every database; a real MongoDB (or the H2 file) still has its data after an outage, and the tests after
     * MongoOutageIT share this one.
     */
    private static final class DurableMemoryBackend extends MemoryBackend {

        @Override
        public void close() {
            // the data lives as long as these brokers; the garbage collector frees it
        }
    }

    public String mqttUrl() {
        return "tcp://127.0.0.1:" + ports.mqtt();
    }

    public String kafkaBootstrap() {
        return kafka.getBrokersAsString();
    }

    public String mongoUri() {
        return "mongodb://127.0.0.1:" + ports.mongo() + "/iot";
    }

    public Ports ports() {
        return ports;
    }

    /** Spring properties that point the gateway at these brokers. */
    public Map<String, String> gatewayProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("gateway.mqtt.broker-url", mqttUrl());
        properties.put("camel.component.kafka.brokers", kafkaBootstrap());
        properties.put("spring.data.mongodb.uri", mongoUri());
        return properties;
    }

    /** Simulates a MongoDB outage: the port stops answering and open connections are dropped. */
    public synchronized void stopMongo() {
        if (mongo != null) {
            mongo.shutdownNow();
            mongo = null;
        }
    }

    public synchronized void startMongo() {
        if (mongo == null) {
            MongoServer server = new MongoServer(mongoBackends.get());
            server.bind("127.0.0.1", ports.mongo());
            mongo = server;
        }
    }

    @Override
    public void close() throws Exception {
        stopMongo();
        kafka.destroy();
        mqtt.close();
    }

    /**
     * For a process about to exit: stops MongoDB, whose file must be flushed, and leaves the rest to the exit. An
     * orderly stop of the test kit's Kafka broker deleted its directories under the running broker and never ended;
     * the MQTT broker's state is in memory.
     */
    public void closeBeforeExit() {
        stopMongo();
    }

    /** A standalone MQTT 5 broker, for a test that needs one of its own. */
    public static MqttBroker startMqttBroker(int port, Path dir) {
        return startMqttBroker(port, dir, false);
    }

    /**
     * @param persistent keep sessions, subscriptions and queued messages in {@code dir}, so a broker started again on
     *     the same directory resumes them (as a production broker with persistence does)
     */
    public static MqttBroker startMqttBroker(int port, Path dir, boolean persistent) {
        try {
            return new MqttBroker(port, startMqtt(tcpListener(port), dir, persistent, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A broker with only a TLS listener (server key store: key and chain, JKS) that accepts a connection only with this
     * user name and password, checked by an authenticator registered through HiveMQ's extension SDK, and only from a
     * client whose certificate a CA in {@code clientTrustStore} (JKS) signed.
     */
    public static MqttBroker startMqttTlsBroker(
            int port,
            Path dir,
            Path serverKeyStore,
            Path clientTrustStore,
            String storePassword,
            String user,
            String password) {
        String listener =
                """
                <tls-tcp-listener>
                    <port>%d</port>
                    <bind-address>127.0.0.1</bind-address>
                    <tls>
                        <keystore>
                            <path>%s</path>
                            <password>%s</password>
                            <private-key-password>%s</private-key-password>
                        </keystore>
                        <truststore>
                            <path>%s</path>
                            <password>%s</password>
                        </truststore>
                        <client-authentication-mode>REQUIRED</client-authentication-mode>
                    </tls>
                </tls-tcp-listener>
                """
                        .formatted(
                                port,
                                serverKeyStore.toAbsolutePath(),
                                storePassword,
                                storePassword,
                                clientTrustStore.toAbsolutePath(),
                                storePassword);
        EmbeddedExtension authentication = EmbeddedExtension.builder()
                .withId("test-authentication")
                .withName("test authentication")
                .withVersion("1")
                .withAuthor("iot-gateway tests")
                .withExtensionMain(new PasswordCheck(user, password))
                .build();
        try {
            return new MqttBroker(port, startMqtt(listener, dir, false, authentication));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Accepts a CONNECT only with the expected user name and password; refuses it with reason 134 otherwise. */
    private record PasswordCheck(String user, String password) implements ExtensionMain {

        @Override
        public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
            Services.securityRegistry()
                    .setAuthenticatorProvider(provider -> (SimpleAuthenticator) (connect, result) -> {
                        var packet = connect.getConnectPacket();
                        String givenPassword = packet.getPassword()
                                .map(bytes -> StandardCharsets.UTF_8
                                        .decode(bytes.duplicate())
                                        .toString())
                                .orElse(null);
                        if (user.equals(packet.getUserName().orElse(null)) && password.equals(givenPassword)) {
                            result.authenticateSuccessfully();
                        } else {
                            result.failAuthentication(
                                    ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD, "wrong user name or password");
                        }
                    });
        }

        @Override
        public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {}
    }

    private static String tcpListener(int port) {
        return """
                <tcp-listener>
                    <port>%d</port>
                    <bind-address>0.0.0.0</bind-address>
                </tcp-listener>
                """
                .formatted(port);
    }

    public record MqttBroker(int port, EmbeddedHiveMQ hivemq) implements AutoCloseable {

        public String url() {
            return "tcp://127.0.0.1:" + port;
        }

        /** Client connections the broker currently holds, as the broker itself counts them. */
        public long connections() {
            var gauge = hivemq.getMetricRegistry().getGauges().get("com.hivemq.networking.connections.current");
            return gauge == null ? -1 : ((Number) gauge.getValue()).longValue();
        }

        /**
         * CONNECT packets the broker has received since it started. A client whose TLS handshake fails never gets
         * this far, while {@link #connections()} briefly counts its socket.
         */
        public long connectPacketsReceived() {
            var counter = hivemq.getMetricRegistry().getCounters().get("com.hivemq.messages.incoming.connect.count");
            return counter == null ? -1 : counter.getCount();
        }

        @Override
        public void close() throws Exception {
            hivemq.close();
        }
    }

    private static EmbeddedHiveMQ startMqtt(String listener, Path dir, boolean persistent, EmbeddedExtension extension)
            throws IOException {
        Path config = Files.createDirectories(dir.resolve("conf"));
        Files.writeString(
                config.resolve("config.xml"),
                """
                <?xml version="1.0"?>
                <hivemq>
                    <listeners>
                    %s
                    </listeners>
                    <mqtt>
                        <queued-messages>
                            <max-queue-size>1000000</max-queue-size>
                        </queued-messages>
                    </mqtt>
                    <persistence>
                        <mode>%s</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """
                        .formatted(listener, persistent ? "file" : "in-memory"));
        var builder = EmbeddedHiveMQ.builder()
                .withConfigurationFolder(config)
                .withDataFolder(Files.createDirectories(dir.resolve("data")))
                .withExtensionsFolder(Files.createDirectories(dir.resolve("extensions")))
                .withoutLoggingBootstrap();
        if (extension != null) {
            builder.withEmbeddedExtension(extension);
        }
        EmbeddedHiveMQ hivemq = builder.build();
        hivemq.start().join();
        return hivemq;
    }

    /**
     * A standalone Kafka broker with the gateway's topics, for a test that needs one of its own. Clients are told to
     * connect to {@code advertisedPort} (e.g. a {@link FaultyLink} in front of {@code port}), so after the bootstrap
     * every connection still goes there.
     */
    public static EmbeddedKafkaKraftBroker startKafkaBroker(int port, int advertisedPort, Path dir) {
        try {
            return startKafka(port, advertisedPort, dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static EmbeddedKafkaKraftBroker startKafka(int port, int advertisedPort, Path dir) throws IOException {
        EmbeddedKafkaKraftBroker kafka = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
        // KRaft mode ignores kafkaPorts(); the listener property fixes the port. Own log dir: /tmp cleaners.
        kafka.brokerProperty("listeners", "EXTERNAL://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:0");
        if (advertisedPort != port) {
            kafka.brokerProperty("advertised.listeners", "EXTERNAL://127.0.0.1:" + advertisedPort);
        }
        kafka.brokerProperty("log.dir", Files.createDirectories(dir).toString());
        kafka.brokerProperty("auto.create.topics.enable", "true");
        kafka.brokerProperty("num.partitions", "1");
        // Exactly-once stream analytics use transactions; one broker cannot hold the default 3 replicas of their log.
        kafka.brokerProperty("transaction.state.log.replication.factor", "1");
        kafka.brokerProperty("transaction.state.log.min.isr", "1");
        kafka.afterPropertiesSet();
        NewTopic[] topics = new NewTopic[GATEWAY_TOPICS.length];
        for (int i = 0; i < topics.length; i++) {
            topics[i] = new NewTopic(GATEWAY_TOPICS[i], PARTITIONS, (short) 1);
        }
        kafka.addTopics(topics);
        return kafka;
    }

    /**
     * A port free now, never one this JVM handed out before: the kernel can give the same free port to two calls in a
     * row, and a Kafka broker once got one port for two of its listeners (its storage format then refused the config).
     */
    public static int freePort() {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0)) {
                socket.setReuseAddress(true);
                if (HANDED_OUT.add(socket.getLocalPort())) {
                    return socket.getLocalPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
