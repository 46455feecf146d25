package io.iotgateway.support;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of every integration test: the whole gateway against real brokers. All subclasses share one Spring context
 * (same configuration, so the test framework caches it) and one set of brokers; each test uses its own device ids.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ActiveProfiles("test")
public abstract class GatewayIntegrationTest {

    protected static final EmbeddedBrokers BROKERS = SharedBrokers.get();

    /**
     * Set by the benchmark profile: the gateway and the load then share a Mosquitto process (far lighter than the
     * in-JVM broker) when it is installed, so the figures are the gateway's. Decided here, before the shared context
     * exists, whichever test class runs first.
     */
    private static final MosquittoBroker MOSQUITTO =
            Boolean.getBoolean("iotgateway.test.mosquitto") ? MosquittoBroker.startIfInstalled() : null;

    /** The MQTT broker the gateway under test is connected to. */
    protected static final String MQTT_URL = MOSQUITTO != null ? MOSQUITTO.url() : BROKERS.mqttUrl();

    protected static final String MQTT_BROKER_NAME =
            MOSQUITTO != null ? MOSQUITTO.version() + " (separate process)" : "embedded HiveMQ CE (same JVM)";
    protected static final KafkaProbe KAFKA = new KafkaProbe(BROKERS.kafkaBootstrap());
    protected static final RouteSources SOURCES = RouteSources.get();

    @Autowired
    protected CamelContext camel;

    @Autowired
    protected MongoClient mongoClient;

    protected MqttDevice device;

    @DynamicPropertySource
    static void brokers(DynamicPropertyRegistry registry) {
        BROKERS.gatewayProperties().forEach((key, value) -> registry.add(key, () -> value));
        registry.add("gateway.mqtt.broker-url", () -> MQTT_URL);
        // Fail fast while MongoDB is down so the outage test sees retries, not one long wait.
        registry.add("spring.data.mongodb.uri", () -> BROKERS.mongoUri() + "?serverSelectionTimeoutMS=2000");
        // Tests edit routes, families and Kamelets at run time: on a private copy, never the repository's files.
        registry.add("gateway.routes.directory", () -> SOURCES.routes().toString());
        registry.add(
                "gateway.routes.kamelets-directory", () -> SOURCES.kamelets().toString());
    }

    @BeforeEach
    void connectDevice() {
        device = new MqttDevice(MQTT_URL);
    }

    @AfterEach
    void disconnectDevice() {
        device.close();
    }

    protected MongoCollection<Document> sensorData() {
        return mongoClient.getDatabase("iot").getCollection("sensorData");
    }

    /** The statuses of the device's commands in MongoDB (controlCommands). */
    protected List<String> commandStatuses(String deviceId) {
        List<String> statuses = new ArrayList<>();
        mongoClient
                .getDatabase("iot")
                .getCollection("controlCommands")
                .find(Filters.eq("deviceId", deviceId))
                .forEach(command -> statuses.add(command.getString("status")));
        return statuses;
    }

    protected static String uniqueId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
