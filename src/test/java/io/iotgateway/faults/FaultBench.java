package io.iotgateway.faults;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.FaultyLink;
import io.iotgateway.support.GatewayProcess;
import io.iotgateway.support.KafkaCluster;
import io.iotgateway.support.KafkaProbe;
import io.iotgateway.support.MosquittoBroker;
import io.iotgateway.support.MqttDevice;
import io.iotgateway.support.RouteSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.bson.Document;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;

/**
 * Brokers of the fault suite's own (other tests keep the shared ones), the gateway under test as a separate process
 * with every feature on, and a watcher that sees every record the gateway writes to Kafka. Kafka is a three-broker
 * cluster ({@link KafkaCluster}) whose brokers can be killed and restarted, and whose clients reach each broker through
 * a {@link FaultyLink}; MongoDB is behind a link too, so both can be made unreachable (refused) or hanging. The MQTT
 * broker is a Mosquitto process that keeps its sessions on disk and can be restarted.
 */
final class FaultBench implements AutoCloseable {

    static final String TELEMETRY = "device.telemetry";
    static final String DEAD_LETTERS = "device.telemetry.dlq";
    static final String GATEWAY_CLIENT_ID = "gw-faults";
    private static final String PROBE_DEVICE = "fault-probe";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final MosquittoBroker mqtt;
    private final KafkaCluster kafka;
    private final RouteSources routes;
    private final MongoServer mongo;
    private final FaultyLink mongoLink;
    private final MongoClient mongoClient;
    private final AtomicBoolean watching = new AtomicBoolean(true);
    private final AtomicInteger probesSeen = new AtomicInteger();
    private final Thread watcher;
    private GatewayProcess gateway;
    private int gatewayStarts;
    private int httpPort;
    private volatile Scenario current;

    FaultBench(Path dir) {
        this.dir = dir.toAbsolutePath();
        mqtt = MosquittoBroker.startPersistent(this.dir.resolve("mosquitto"));
        kafka = KafkaCluster.start(
                this.dir.resolve("kafka"),
                EmbeddedBrokers.PARTITIONS,
                EmbeddedBrokers.gatewayTopics().toArray(String[]::new));
        // The gateway reads its YAML hooks, families and Kamelets from a copy: the suite never touches the real ones.
        routes = RouteSources.copyTo(this.dir.resolve("sources"));
        mongo = new MongoServer(new MemoryBackend());
        int mongoPort = EmbeddedBrokers.freePort();
        mongo.bind("127.0.0.1", mongoPort);
        mongoLink = new FaultyLink(EmbeddedBrokers.freePort(), mongoPort);
        mongoClient = MongoClients.create("mongodb://127.0.0.1:" + mongoPort);
        List<TopicPartition> partitions = new ArrayList<>();
        watcher = new Thread(() -> readRecords(partitions), "fault-kafka-watcher");
        watcher.setDaemon(true);
        watcher.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> !partitions.isEmpty());
    }

    String mqttUrl() {
        return mqtt.url();
    }

    KafkaCluster kafka() {
        return kafka;
    }

    /** Clients can reach no broker: connections reset, new ones refused (the brokers replicate on regardless). */
    void refuseKafka() {
        kafka.links().forEach(FaultyLink::refuse);
    }

    /** Every broker hangs for clients: connections accepted, nothing answered. */
    void hangKafka() {
        kafka.links().forEach(FaultyLink::hang);
    }

    void restoreKafka() {
        kafka.links().forEach(FaultyLink::restore);
    }

    FaultyLink mongoLink() {
        return mongoLink;
    }

    MongoCollection<Document> sensorData() {
        return collection("sensorData");
    }

    MongoCollection<Document> collection(String name) {
        return mongoClient.getDatabase("iot").getCollection(name);
    }

    void watch(Scenario scenario) {
        current = scenario;
    }

    /** Starts the gateway process and waits until its subscription delivers into Kafka. */
    GatewayProcess startGateway() {
        return startGateway(Map.of());
    }

    /** {@link #startGateway()} with {@code overrides} of the suite's settings. */
    GatewayProcess startGateway(Map<String, String> overrides) {
        startGatewayProcess(overrides);
        try (MqttDevice probe = new MqttDevice(mqttUrl())) {
            int seen = probesSeen.get();
            AtomicInteger n = new AtomicInteger();
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        if (!gateway.isAlive()) {
                            throw new IllegalStateException("the gateway process exited; see " + gateway.log());
                        }
                        int i = n.incrementAndGet();
                        probe.publish(
                                "devices/" + PROBE_DEVICE + "/telemetry",
                                "{\"sensorType\":\"probe\",\"value\":" + i + ",\"timestamp\":" + (1_763_320_000L + i)
                                        + "}");
                        return probesSeen.get() > seen;
                    });
        }
        return gateway;
    }

    /** Starts the gateway process with the same MQTT client id (so the same broker session) and returns at once. */
    GatewayProcess startGatewayProcess() {
        return startGatewayProcess(Map.of());
    }

    private GatewayProcess startGatewayProcess(Map<String, String> overrides) {
        gatewayStarts++;
        Map<String, String> settings = new LinkedHashMap<>();
        // No feature is switched off: persistence, analytics, commands, live endpoints, YAML hooks and Kamelets run as
        // they do with the shipped defaults. Only addresses, the client id and the settings below are the suite's.
        settings.put("gateway.mqtt.broker-url", mqttUrl());
        settings.put("gateway.mqtt.client-id", GATEWAY_CLIENT_ID);
        httpPort = EmbeddedBrokers.freePort();
        settings.put("server.port", Integer.toString(httpPort));
        settings.put("camel.component.kafka.brokers", kafka.bootstrap());
        settings.put(
                "spring.data.mongodb.uri",
                "mongodb://127.0.0.1:" + mongoLink.port() + "/iot?serverSelectionTimeoutMS=2000");
        settings.put("gateway.routes.directory", routes.routes().toString());
        settings.put("gateway.routes.kamelets-directory", routes.kamelets().toString());
        // The test profile shortens these for the in-JVM tests; the process under test keeps the shipped values, so
        // the stop it is measured on is the one users get.
        settings.put("camel.main.shutdown-timeout", shipped("camel.main.shutdown-timeout"));
        settings.put("gateway.analytics.commit-interval", shipped("gateway.analytics.commit-interval"));
        // Shorter than the outages, so a Kafka outage also costs the consumers their group session and they must
        // rejoin (and it shortens the takeover after a hard kill).
        settings.put("camel.component.kafka.session-timeout-ms", "10000");
        settings.putAll(overrides);
        gateway = GatewayProcess.start(settings, dir.resolve("gateway-" + gatewayStarts + ".log"));
        return gateway;
    }

    /** A setting as src/main/resources/application.yaml ships it (placeholders and all, the process resolves them). */
    static String shipped(String key) {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yaml"));
        String value = yaml.getObject().getProperty(key);
        if (value == null) {
            throw new IllegalStateException(key + " is not in application.yaml");
        }
        return value;
    }

    GatewayProcess gateway() {
        return gateway;
    }

    /** The HTTP port of the gateway process started last. */
    int httpPort() {
        return httpPort;
    }

    /** The MQTT broker goes down (SIGTERM: it saves its sessions and queued messages on the way out). */
    void stopMqtt() {
        mqtt.stop();
    }

    /** The MQTT broker comes back on its port and data. */
    void startMqtt() {
        mqtt.start();
    }

    /**
     * Keeps a fault in place for its duration. This is the fault's length, not a wait for something to happen (those
     * use Awaitility).
     */
    static void hold(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    @Override
    public void close() throws Exception {
        watching.set(false);
        if (gateway != null) {
            gateway.close();
        }
        watcher.join(10_000);
        mongoClient.close();
        mongoLink.close();
        mongo.shutdownNow();
        kafka.close();
        mqtt.close();
    }

    /** Reads everything the gateway writes from now on, and hands each record to the running scenario. */
    private void readRecords(List<TopicPartition> assigned) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(TELEMETRY, DEAD_LETTERS)) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30))
                        .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            assigned.addAll(partitions);
            while (watching.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                    dispatch(record);
                }
            }
        }
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(TELEMETRY)) {
            if (PROBE_DEVICE.equals(record.key())) {
                probesSeen.incrementAndGet();
                return;
            }
            Scenario scenario = current;
            if (scenario != null && record.key() != null && record.key().startsWith(scenario.prefix())) {
                try {
                    JsonNode body = JSON.readTree(record.value());
                    scenario.telemetry(
                            record.partition(),
                            record.offset(),
                            record.timestamp(),
                            record.key(),
                            body.path("value").asInt(),
                            body.path("metadata").path("sentNanos").asLong());
                } catch (IOException e) {
                    throw new IllegalStateException("unreadable telemetry record " + record, e);
                }
            }
        } else {
            // A dead letter keeps the device's original bytes; the source topic names the device.
            String source = KafkaProbe.header(record, "x-source-topic");
            Scenario scenario = current;
            if (scenario != null && source != null && source.startsWith("devices/" + scenario.prefix())) {
                String deviceId = source.substring("devices/".length(), source.lastIndexOf('/'));
                scenario.deadLetter(deviceId, new String(record.value(), StandardCharsets.UTF_8));
            }
        }
    }
}
