package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.support.EmbeddedBrokers;
import io.iotgateway.support.GatewayInstance;
import io.iotgateway.support.GatewayIntegrationTest;
import io.iotgateway.support.Http;
import io.iotgateway.support.MqttDevice;
import io.iotgateway.support.TestCertificates;
import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The gateway against a real MQTT broker that speaks only TLS, requires a client certificate and accepts only a user
 * name and password (embedded HiveMQ with a TLS listener and an authenticator from its extension SDK), with a CA made
 * for this test. One broker for the class; one gateway instance per test.
 */
@ExtendWith(OutputCaptureExtension.class)
class MqttTlsIT extends GatewayIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "gateway";
    private static final String PASSWORD = "mqtt-test-" + UUID.randomUUID();
    private static final Path DIR =
            Path.of("target", "mqtt-tls-" + UUID.randomUUID().toString().substring(0, 8));

    private static Path trustedCa;
    private static Path otherCa;
    private static Path gatewayCertificate;
    private static Path gatewayKey;
    private static TestCertificates.Issued deviceCertificate;
    private static EmbeddedBrokers.MqttBroker broker;
    private static String url;

    @BeforeAll
    static void tlsBroker() {
        TestCertificates ca = TestCertificates.authority("iot-gateway-test-ca");
        trustedCa = ca.writeCertificatePem(DIR.resolve("ca.pem"));
        otherCa = TestCertificates.authority("someone-else").writeCertificatePem(DIR.resolve("other-ca.pem"));
        Path serverStore = ca.issue("localhost").writeKeyStore(DIR.resolve("broker.jks"));
        Path clientCas = ca.writeTrustStore(DIR.resolve("client-cas.jks"), "JKS");
        TestCertificates.Issued gateway = ca.issue("iot-gateway");
        gatewayCertificate = gateway.writeCertificatePem(DIR.resolve("gateway.pem"));
        gatewayKey = gateway.writePrivateKeyPem(DIR.resolve("gateway.key"));
        deviceCertificate = ca.issue("device");
        int port = EmbeddedBrokers.freePort();
        broker = EmbeddedBrokers.startMqttTlsBroker(
                port, DIR.resolve("broker"), serverStore, clientCas, TestCertificates.STORE_PASSWORD, USER, PASSWORD);
        url = "ssl://localhost:" + port;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @Test
    void overTlsWithCredentialsADevicesMessageReachesKafka() throws Exception {
        // the broker really demands all of it: a client without the password, or without a certificate, is refused
        assertThatThrownBy(() -> new MqttDevice(
                                url, options -> options.setSocketFactory(tls(trustedCa, deviceCertificate)))
                        .close())
                .hasMessageContaining("cannot connect");
        assertThatThrownBy(() -> new MqttDevice(url, options -> {
                            options.setSocketFactory(tls(trustedCa, null));
                            options.setUserName(USER);
                            options.setPassword(PASSWORD.getBytes(StandardCharsets.UTF_8));
                        })
                        .close())
                .hasMessageContaining("cannot connect");

        try (ConfigurableApplicationContext gateway =
                        GatewayInstance.start(tlsSettings("gw-tls", trustedCa, PASSWORD));
                MqttDevice device = new MqttDevice(url, options -> {
                    options.setSocketFactory(tls(trustedCa, deviceCertificate));
                    options.setUserName(USER);
                    options.setPassword(PASSWORD.getBytes(StandardCharsets.UTF_8));
                })) {
            Http http = new Http(port(gateway));
            await().atMost(Duration.ofSeconds(60))
                    .untilAsserted(() ->
                            assertThat(mqttHealth(http).path("status").asText()).isEqualTo("UP"));

            String id = uniqueId("tls");
            device.publish("devices/" + id + "/telemetry", "{\"sensorType\":\"temperature\",\"value\":21.5}");
            ConsumerRecord<String, byte[]> record =
                    KAFKA.awaitKey("device.telemetry", id, 1).get(0);
            assertThat(new String(record.value(), StandardCharsets.UTF_8))
                    .contains("\"deviceId\":\"" + id + "\"")
                    .contains("21.5");
        }
    }

    @Test
    void aGatewayThatDoesNotTrustTheBrokersCertificateStaysDownAndSaysWhy(CapturedOutput output) {
        long connectsBefore = broker.connectPacketsReceived();
        assertThat(connectsBefore).as("the broker's CONNECT counter").isNotNegative();
        try (ConfigurableApplicationContext gateway =
                GatewayInstance.start(tlsSettings("gw-tls-wrong-ca", otherCa, PASSWORD))) {
            Http http = new Http(port(gateway));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode mqtt = mqttHealth(http);
                assertThat(mqtt.path("status").asText()).isEqualTo("DOWN");
                assertThat(mqtt.at("/details/subscriptions/ingest-receive-devices")
                                .asText())
                        .startsWith("waiting to subscribe");
                // the log names the TLS failure, not only Paho's generic "unable to connect"
                assertThat(output.getAll())
                        .containsPattern("Waiting for MQTT broker " + url + ": .*cause: .*certification path");
            });
            // the handshake fails before any CONNECT: counting sockets instead would race with the refused handshakes
            assertThat(broker.connectPacketsReceived()).isEqualTo(connectsBefore);
        }
    }

    private static Map<String, String> tlsSettings(String clientId, Path ca, String password) {
        return Map.of(
                "gateway.mqtt.broker-url",
                url,
                "gateway.mqtt.client-id",
                clientId,
                "gateway.mqtt.username",
                USER,
                "gateway.mqtt.password",
                password,
                "gateway.mqtt.ssl-bundle",
                "mqtt-test",
                "spring.ssl.bundle.pem.mqtt-test.truststore.certificate",
                "file:" + ca.toAbsolutePath(),
                "spring.ssl.bundle.pem.mqtt-test.keystore.certificate",
                "file:" + gatewayCertificate.toAbsolutePath(),
                "spring.ssl.bundle.pem.mqtt-test.keystore.private-key",
                "file:" + gatewayKey.toAbsolutePath(),
                // this test is about the connection; the shared context already stores what reaches Kafka
                "gateway.persistence.enabled",
                "false");
    }

    private static JsonNode mqttHealth(Http http) throws Exception {
        return JSON.readTree(http.getAsAdmin("/actuator/health/readiness").body())
                .path("components")
                .path("mqtt");
    }

    private static int port(ConfigurableApplicationContext gateway) {
        return ((WebServerApplicationContext) gateway).getWebServer().getPort();
    }

    /** A device's TLS: trusts the CA in {@code caPem}, presents {@code certificate} when given. */
    private static SSLSocketFactory tls(Path caPem, TestCertificates.Issued certificate) {
        try (InputStream in = new FileInputStream(caPem.toFile())) {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry(
                    "ca",
                    java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
            TrustManagerFactory trustManagers =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            KeyManager[] keyManagers = null;
            if (certificate != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry(
                        "device",
                        certificate.keys().getPrivate(),
                        TestCertificates.STORE_PASSWORD.toCharArray(),
                        new Certificate[] {certificate.certificate(), certificate.issuer()});
                KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                factory.init(keys, TestCertificates.STORE_PASSWORD.toCharArray());
                keyManagers = factory.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers.getTrustManagers(), null);
            return context.getSocketFactory();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
