package io.iotgateway.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * Settings for a Kafka client the gateway creates itself (admin, a one-off reader): the Camel Kafka component's
 * brokers and client settings, so also gateway.kafka's TLS and SASL (its additional properties), kept to the keys that
 * kind of client accepts.
 */
public final class KafkaClients {

    private KafkaClients() {}

    /** For an admin client or a producer: the component's producer settings. */
    public static Map<String, Object> producerSide(CamelContext camel, Set<String> clientKeys) {
        KafkaConfiguration component = component(camel);
        return select(component, component.createProducerProperties(), clientKeys);
    }

    /** For a consumer: the component's consumer settings. */
    public static Map<String, Object> consumerSide(CamelContext camel, Set<String> clientKeys) {
        KafkaConfiguration component = component(camel);
        return select(component, component.createConsumerProperties(), clientKeys);
    }

    private static KafkaConfiguration component(CamelContext camel) {
        return camel.getComponent("kafka", KafkaComponent.class).getConfiguration();
    }

    private static Map<String, Object> select(KafkaConfiguration component, Properties settings, Set<String> keys) {
        Map<String, Object> config = new HashMap<>();
        settings.forEach((key, value) -> {
            if (keys.contains(key.toString()) && value != null) {
                config.put(key.toString(), value);
            }
        });
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, component.getBrokers());
        return config;
    }
}
