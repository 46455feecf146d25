package io.iotgateway.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.config.InvalidConfigurationException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;

/** The MQTT TLS settings that cannot work stop the start naming the setting. */
class MqttTlsTest {

    @Test
    void anSslBundleNeedsAnSslUrlAndMustExist() {
        DefaultSslBundleRegistry none = new DefaultSslBundleRegistry();
        assertThatThrownBy(() -> new MqttTls().mqttTlsCustomizer(gateway("tcp://broker:1883", "mqtt"), none))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.mqtt.broker-url")
                .hasMessageContaining("ssl://");
        assertThatThrownBy(() -> new MqttTls().mqttTlsCustomizer(gateway("ssl://broker:8883", "mqtt"), none))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.mqtt.ssl-bundle")
                .hasMessageContaining("spring.ssl.bundle.pem.mqtt.truststore.certificate");
        assertThat(new MqttTls().mqttTlsCustomizer(gateway("ssl://broker:8883", ""), none))
                .isNotNull();
    }

    private static GatewayProperties gateway(String url, String bundle) {
        return new GatewayProperties(
                new GatewayProperties.Mqtt(url, "", "", "gw", "", 60L, 10, bundle), null, null, null, null, List.of());
    }
}
