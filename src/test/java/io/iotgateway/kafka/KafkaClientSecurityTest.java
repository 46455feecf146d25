package io.iotgateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.IotGatewayApplication;
import io.iotgateway.support.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.util.ReflectionTestUtils;

/**
 * gateway.kafka's TLS and SASL settings reach every Kafka client the gateway creates: the producers and consumers of
 * the Camel routes, the stream analytics and the admin client of health and lag. Checked on the clients' effective
 * configuration in a started application (routes not started); not run against a SASL broker (see README "Security").
 */
class KafkaClientSecurityTest {

    @TempDir
    Path dir;

    @Test
    void everyKafkaClientGetsTheSecuritySettings() throws Exception {
        // a real store: the clients load it when they are created (they never reach a broker here)
        Path truststore = TestCertificates.authority("kafka-test-ca").writeTrustStore(dir.resolve("kafka-ca.p12"));
        Map<String, String> expected = Map.of(
                "security.protocol",
                "SASL_SSL",
                "sasl.mechanism",
                "SCRAM-SHA-256",
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"gw\""
                        + " password=\"kafka-secret\";",
                "ssl.truststore.location",
                truststore.toString(),
                "ssl.truststore.password",
                TestCertificates.STORE_PASSWORD,
                "ssl.truststore.type",
                "PKCS12",
                "enable.metrics.push",
                "false");
        try (ConfigurableApplicationContext gateway = new SpringApplicationBuilder(IotGatewayApplication.class)
                .run(
                        "--server.port=0",
                        "--camel.main.auto-startup=false",
                        "--camel.main.jmx-enabled=false",
                        "--spring.jmx.enabled=false",
                        "--spring.main.banner-mode=off",
                        "--gateway.security.admin-password=irrelevant-here",
                        "--gateway.kafka.security-protocol=SASL_SSL",
                        "--gateway.kafka.sasl-mechanism=SCRAM-SHA-256",
                        "--gateway.kafka.sasl-username=gw",
                        "--gateway.kafka.sasl-password=kafka-secret",
                        "--gateway.kafka.ssl-truststore-location=" + truststore,
                        "--gateway.kafka.ssl-truststore-password=" + TestCertificates.STORE_PASSWORD,
                        "--gateway.kafka.ssl-truststore-type=PKCS12")) {
            CamelContext camel = gateway.getBean(CamelContext.class);
            KafkaComponent component = camel.getComponent("kafka", KafkaComponent.class);
            assertContains("camel producer", component.getConfiguration().createProducerProperties(), expected);
            assertContains("camel consumer", component.getConfiguration().createConsumerProperties(), expected);

            List<KafkaEndpoint> endpoints = camel.getEndpoints().stream()
                    .filter(KafkaEndpoint.class::isInstance)
                    .map(KafkaEndpoint.class::cast)
                    .toList();
            assertThat(endpoints).as("the routes' kafka endpoints").hasSizeGreaterThan(3);
            for (KafkaEndpoint endpoint : endpoints) {
                assertContains(
                        endpoint.getEndpointUri(), endpoint.getConfiguration().createConsumerProperties(), expected);
                assertContains(
                        endpoint.getEndpointUri(), endpoint.getConfiguration().createProducerProperties(), expected);
            }

            Object streams = gateway.getBean(Class.forName("io.iotgateway.analytics.AnalyticsStreams"));
            assertContains("analytics", ReflectionTestUtils.invokeMethod(streams, "config"), expected);

            Object admin = gateway.getBean(Class.forName("io.iotgateway.kafka.KafkaAdmin"));
            Map<String, Object> adminConfig = ReflectionTestUtils.invokeMethod(admin, "config");
            Properties adminProperties = new Properties();
            adminProperties.putAll(adminConfig);
            assertContains("admin", adminProperties, expected);
        }
    }

    private static void assertContains(String client, Properties actual, Map<String, String> expected) {
        expected.forEach((key, value) ->
                assertThat(actual.get(key)).as(client + " " + key).hasToString(value));
    }
}
