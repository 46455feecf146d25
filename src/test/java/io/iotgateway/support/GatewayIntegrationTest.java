package io.iotgateway.support;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
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

    public static final String MQTT_URL_OVERRIDE = "iotgateway.test.mqtt-url";

    protected static final EmbeddedBrokers BROKERS = SharedBrokers.get();
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
        // The benchmark may point the gateway at an external MQTT broker.
        registry.add("gateway.mqtt.broker-url", () -> System.getProperty(MQTT_URL_OVERRIDE, BROKERS.mqttUrl()));
        // Fail fast while MongoDB is down so the outage test sees retries, not one long wait.
        registry.add("spring.data.mongodb.uri", () -> BROKERS.mongoUri() + "?serverSelectionTimeoutMS=2000");
        // Tests edit routes, families and Kamelets at run time: on a private copy, never the repository's files.
        registry.add("gateway.routes.directory", () -> SOURCES.routes().toString());
        registry.add(
                "gateway.routes.kamelets-directory", () -> SOURCES.kamelets().toString());
    }

    @BeforeEach
    void connectDevice() {
        device = new MqttDevice(BROKERS.mqttUrl());
    }

    @AfterEach
    void disconnectDevice() {
        device.close();
    }

    protected MongoCollection<Document> sensorData() {
        return mongoClient.getDatabase("iot").getCollection("sensorData");
    }

    protected static String uniqueId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
