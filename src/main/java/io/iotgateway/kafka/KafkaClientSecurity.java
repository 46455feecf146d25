package io.iotgateway.kafka;

import java.util.HashMap;
import java.util.Map;
import org.apache.camel.Ordered;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.camel.component.kafka.KafkaConfiguration;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Hands {@link KafkaSecurityProperties} to the Camel Kafka component as additional client properties, which Camel
 * applies last to every producer and consumer it creates (so they win over the component's own defaults, such as
 * {@code security.protocol=PLAINTEXT}). The admin client of health and lag copies the component's settings; the stream
 * analytics add the same map to their own configuration.
 */
@Configuration(proxyBeanMethods = false)
class KafkaClientSecurity {

    @Bean
    ComponentCustomizer kafkaClientSecurityCustomizer(KafkaSecurityProperties security) {
        Map<String, Object> settings = security.clientProperties(); // checked now: a bad value stops the start
        return ComponentCustomizer.builder(KafkaComponent.class)
                .withOrder(Ordered.LOWEST)
                .build(component -> {
                    if (settings.isEmpty()) {
                        return;
                    }
                    KafkaConfiguration configuration = component.getConfiguration();
                    Map<String, Object> additional = configuration.getAdditionalProperties() == null
                            ? new HashMap<>()
                            : new HashMap<>(configuration.getAdditionalProperties());
                    additional.putAll(settings);
                    configuration.setAdditionalProperties(additional);
                });
    }
}
