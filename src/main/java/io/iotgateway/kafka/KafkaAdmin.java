package io.iotgateway.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kafka.KafkaComponent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * One Kafka admin client for health and lag, with the same brokers and security settings as the Camel Kafka
 * component (so SASL/TLS configured there applies here too). Created on first use: Camel configures the component
 * after the beans are built.
 */
@Component
public class KafkaAdmin implements DisposableBean {

    public static final int TIMEOUT_MS = 3000;

    private final CamelContext camel;
    private volatile Admin admin;

    KafkaAdmin(CamelContext camel) {
        this.camel = camel;
    }

    public Admin client() {
        Admin current = admin;
        if (current == null) {
            synchronized (this) {
                if (admin == null) {
                    admin = Admin.create(config());
                }
                current = admin;
            }
        }
        return current;
    }

    public String bootstrapServers() {
        return camel.getComponent("kafka", KafkaComponent.class)
                .getConfiguration()
                .getBrokers();
    }

    /** The component's client settings, so also gateway.kafka's security settings (its additional properties). */
    public Map<String, Object> config() {
        Map<String, Object> config = KafkaClients.producerSide(camel, AdminClientConfig.configNames());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, camel.getName() + "-operations");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, TIMEOUT_MS);
        // While Kafka is down, do not hammer it (or the log) faster than a probe would.
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000);
        return config;
    }

    @Override
    public void destroy() {
        Admin current = admin;
        if (current != null) {
            current.close(Duration.ofSeconds(1));
        }
    }

    public static <T> T get(KafkaFuture<T> future) throws Exception {
        return future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
