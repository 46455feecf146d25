package io.iotgateway.kafka;

import io.iotgateway.config.InvalidConfigurationException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code gateway.kafka.*}: how every Kafka client of the gateway authenticates and encrypts: the Camel Kafka component
 * (all {@code kafka:} endpoints), the stream analytics (Kafka Streams) and the admin client of health and lag. The one
 * place that knows these settings is {@link #clientProperties()}; each client adds that map to its own configuration.
 * Empty values are left out, so by default nothing is set (plaintext, no authentication).
 *
 * <p>SASL PLAIN or SCRAM needs only {@code sasl-username} and {@code sasl-password}: the JAAS line is built from them.
 * Passwords come from the environment or from files (Spring Boot config tree), never from application.yaml.
 *
 * @param securityProtocol {@code PLAINTEXT}, {@code SSL}, {@code SASL_PLAINTEXT} or {@code SASL_SSL}
 * @param saslMechanism e.g. {@code PLAIN}, {@code SCRAM-SHA-256}, {@code SCRAM-SHA-512}
 * @param saslJaasConfig a full JAAS line; takes precedence over username and password
 * @param saslUsername user for PLAIN or SCRAM
 * @param saslPassword its password
 * @param sslTruststoreLocation trust store with the CA that signed the brokers' certificates
 * @param sslTruststorePassword its password (PKCS12/JKS)
 * @param sslTruststoreType {@code PKCS12}, {@code JKS} or {@code PEM}
 * @param sslKeystoreLocation client certificate and key, for brokers that require them (mutual TLS)
 * @param sslKeystorePassword its password
 * @param sslKeystoreType {@code PKCS12}, {@code JKS} or {@code PEM}
 * @param sslKeyPassword the key's password, when it differs from the store's
 * @param sslEndpointIdentificationAlgorithm {@code https} (Kafka's default: the broker's host name must match its
 *     certificate) unless set; {@code default} keeps that, an empty value turns the check off (test brokers only)
 * @param metricsPush whether the clients push their metrics to the brokers (KIP-714, {@code enable.metrics.push}).
 *     Off unless set: the gateway's metrics are scraped from it, and the 3.9 clients format a log message on every
 *     network poll while it is on (5 % of the ingest path's CPU at full rate).
 */
@ConfigurationProperties("gateway.kafka")
public record KafkaSecurityProperties(
        String securityProtocol,
        String saslMechanism,
        String saslJaasConfig,
        String saslUsername,
        String saslPassword,
        String sslTruststoreLocation,
        String sslTruststorePassword,
        String sslTruststoreType,
        String sslKeystoreLocation,
        String sslKeystorePassword,
        String sslKeystoreType,
        String sslKeyPassword,
        String sslEndpointIdentificationAlgorithm,
        Boolean metricsPush) {

    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");

    /**
     * The Kafka client settings (Kafka's own names) that are set, checked: a bad combination stops the start naming
     * the setting. Shared by every Kafka client the gateway creates.
     */
    public Map<String, Object> clientProperties() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put(CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG, Boolean.TRUE.equals(metricsPush));
        String protocol = blankToNull(securityProtocol);
        if (protocol != null) {
            protocol = protocol.toUpperCase();
            if (!PROTOCOLS.contains(protocol)) {
                throw new InvalidConfigurationException(
                        "gateway.kafka.security-protocol",
                        "'" + securityProtocol + "' is not one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
            }
            config.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, protocol);
        }
        put(config, SaslConfigs.SASL_MECHANISM, saslMechanism);
        String jaas = blankToNull(saslJaasConfig);
        if (jaas == null && blankToNull(saslUsername) != null) {
            jaas = jaasLine();
        }
        if (protocol != null && protocol.startsWith("SASL") && jaas == null) {
            throw new InvalidConfigurationException(
                    "gateway.kafka.sasl-username",
                    "not set; security protocol " + protocol + " needs sasl-username and sasl-password"
                            + " (KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD) or a full sasl-jaas-config");
        }
        put(config, SaslConfigs.SASL_JAAS_CONFIG, jaas);
        put(
                config,
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG,
                existingFile("ssl-truststore-location", sslTruststoreLocation));
        put(config, SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, sslTruststorePassword);
        put(config, SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, sslTruststoreType);
        put(
                config,
                SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
                existingFile("ssl-keystore-location", sslKeystoreLocation));
        put(config, SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, sslKeystorePassword);
        put(config, SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, sslKeystoreType);
        put(config, SslConfigs.SSL_KEY_PASSWORD_CONFIG, sslKeyPassword);
        if (sslEndpointIdentificationAlgorithm != null) {
            // an explicitly empty value is meaningful to Kafka (no host name check), so it is passed when given
            String algorithm = sslEndpointIdentificationAlgorithm.trim();
            if (!algorithm.equalsIgnoreCase("default")) {
                config.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, algorithm);
            }
        }
        return config;
    }

    private String jaasLine() {
        String mechanism = blankToNull(saslMechanism) == null
                ? "PLAIN"
                : saslMechanism.trim().toUpperCase();
        String module;
        if (mechanism.equals("PLAIN")) {
            module = "org.apache.kafka.common.security.plain.PlainLoginModule";
        } else if (mechanism.startsWith("SCRAM-")) {
            module = "org.apache.kafka.common.security.scram.ScramLoginModule";
        } else {
            throw new InvalidConfigurationException(
                    "gateway.kafka.sasl-mechanism",
                    "'" + mechanism + "' cannot be built from a user name and password; expected PLAIN, SCRAM-SHA-256"
                            + " or SCRAM-SHA-512, or give the whole sasl-jaas-config");
        }
        if (blankToNull(saslPassword) == null) {
            throw new InvalidConfigurationException(
                    "gateway.kafka.sasl-password", "not set; sasl-username is set, so its password is needed");
        }
        return module + " required username=\"" + quoted(saslUsername.trim()) + "\" password=\"" + quoted(saslPassword)
                + "\";";
    }

    private static String existingFile(String key, String location) {
        String path = blankToNull(location);
        if (path != null && !Files.isReadable(Path.of(path))) {
            throw new InvalidConfigurationException(
                    "gateway.kafka." + key, "no readable file at '" + path + "'; expected a trust or key store");
        }
        return path;
    }

    /** JAAS values are double-quoted strings: backslash and quote are escaped. */
    private static String quoted(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    private static void put(Map<String, Object> config, String key, String value) {
        String set = blankToNull(value);
        if (set != null) {
            config.put(key, set.trim());
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
