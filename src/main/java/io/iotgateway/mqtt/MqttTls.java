package io.iotgateway.mqtt;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.config.InvalidConfigurationException;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;
import org.apache.camel.Ordered;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * TLS to the MQTT broker from a Spring Boot SSL bundle ({@code gateway.mqtt.ssl-bundle}): its trust material verifies
 * the broker's certificate (and Paho checks the host name against it), its key material, if any, is the gateway's
 * client certificate. Set on the {@code paho-mqtt5} component, whose configuration the ingest subscriptions
 * ({@code mqtt-ingest:}) and the command publisher both use. A bundle that does not exist, or one given with a
 * {@code tcp://} broker URL (where it would silently not be used), stops the start. Every MQTT connection also has
 * Nagle's algorithm off, and plain ones read through a buffer ({@link MqttSockets}).
 */
@Configuration(proxyBeanMethods = false)
class MqttTls {

    @Bean
    ComponentCustomizer mqttTlsCustomizer(GatewayProperties gateway, SslBundles bundles) {
        String name = gateway.mqtt().sslBundle();
        String url = gateway.mqtt().brokerUrl();
        if (name == null || name.isBlank()) {
            SocketFactory sockets = url.startsWith("tcp://")
                    ? MqttSockets.plain()
                    : url.startsWith("ssl://")
                            ? MqttSockets.tls((SSLSocketFactory) SSLSocketFactory.getDefault())
                            : null;
            return sockets(sockets);
        }
        if (!url.startsWith("ssl://") && !url.startsWith("wss://")) {
            throw new InvalidConfigurationException(
                    "gateway.mqtt.broker-url",
                    "is '" + url + "' but gateway.mqtt.ssl-bundle is set; expected an ssl:// (or wss://) URL such as"
                            + " ssl://broker:8883, or no SSL bundle");
        }
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(name.trim());
        } catch (NoSuchSslBundleException e) {
            throw new InvalidConfigurationException(
                    "gateway.mqtt.ssl-bundle",
                    "no SSL bundle '" + name + "'; define it with spring.ssl.bundle.pem." + name
                            + ".truststore.certificate (the broker's CA) or spring.ssl.bundle.jks." + name
                            + ".truststore.location",
                    e);
        }
        return sockets(MqttSockets.tls(bundle.createSslContext().getSocketFactory()));
    }

    /** Sets {@code sockets} (null: Paho's own) as the socket factory of every MQTT connection of the gateway. */
    private static ComponentCustomizer sockets(SocketFactory sockets) {
        return ComponentCustomizer.builder(PahoMqtt5Component.class)
                .withOrder(Ordered.LOWEST)
                .build(component -> {
                    if (sockets != null) {
                        component.getConfiguration().setSocketFactory(sockets);
                    }
                });
    }
}
