package io.iotgateway.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iotgateway.config.InvalidConfigurationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka client settings: only metrics push (off) set by default, what is set passes as Kafka's names, bad ones stop. */
class KafkaSecurityPropertiesTest {

    @TempDir
    Path dir;

    @Test
    void onlyMetricsPushIsSetByDefaultAndItIsOff() {
        assertThat(settings("", "", "", "", "", "", "default").clientProperties())
                .containsExactly(Map.entry("enable.metrics.push", false));
    }

    @Test
    void saslScramOverTlsFromUserNameAndPassword() throws IOException {
        Path truststore = Files.writeString(dir.resolve("ca.p12"), "not read here");
        var config = settings("sasl_ssl", "SCRAM-SHA-512", "", "gateway", "p\"a\\ss", truststore.toString(), "")
                .clientProperties();
        assertThat(config)
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry(
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"gateway\""
                                + " password=\"p\\\"a\\\\ss\";")
                .containsEntry("ssl.truststore.location", truststore.toString())
                .containsEntry("ssl.endpoint.identification.algorithm", "");
    }

    @Test
    void plainIsTheMechanismWhenOnlyCredentialsAreGiven() {
        assertThat(settings("SASL_PLAINTEXT", "", "", "u", "p", "", "default")
                        .clientProperties()
                        .get("sasl.jaas.config"))
                .isEqualTo("org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\""
                        + " password=\"p\";");
    }

    @Test
    void badSettingsStopTheStartNamingTheKey() {
        assertThatThrownBy(() -> settings("TLS", "", "", "", "", "", "default").clientProperties())
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.kafka.security-protocol");
        assertThatThrownBy(() ->
                        settings("SASL_SSL", "PLAIN", "", "", "", "", "default").clientProperties())
                .hasMessageContaining("gateway.kafka.sasl-username");
        assertThatThrownBy(() -> settings("SASL_SSL", "PLAIN", "", "u", "", "", "default")
                        .clientProperties())
                .hasMessageContaining("gateway.kafka.sasl-password");
        assertThatThrownBy(() -> settings("SASL_SSL", "GSSAPI", "", "u", "p", "", "default")
                        .clientProperties())
                .hasMessageContaining("gateway.kafka.sasl-mechanism");
        assertThatThrownBy(() -> settings(
                                "SSL",
                                "",
                                "",
                                "",
                                "",
                                dir.resolve("missing.p12").toString(),
                                "default")
                        .clientProperties())
                .hasMessageContaining("gateway.kafka.ssl-truststore-location")
                .hasMessageContaining("missing.p12");
    }

    private static KafkaSecurityProperties settings(
            String protocol,
            String mechanism,
            String jaas,
            String user,
            String password,
            String truststore,
            String endpointAlgorithm) {
        return new KafkaSecurityProperties(
                protocol, mechanism, jaas, user, password, truststore, "", "", "", "", "", "", endpointAlgorithm, null);
    }
}
