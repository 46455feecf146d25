package io.iotgateway.operations;

import io.iotgateway.kafka.KafkaAdmin;
import java.util.Collection;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.common.Node;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/** Health indicator {@code kafka}: the cluster answers a metadata request within a few seconds. */
@Component("kafka")
class KafkaHealthIndicator implements HealthIndicator {

    private final KafkaAdmin admin;

    KafkaHealthIndicator(KafkaAdmin admin) {
        this.admin = admin;
    }

    @Override
    public Health health() {
        try {
            DescribeClusterResult cluster = admin.client().describeCluster();
            Collection<Node> nodes = KafkaAdmin.get(cluster.nodes());
            return Health.up()
                    .withDetail("bootstrapServers", admin.bootstrapServers())
                    .withDetail("clusterId", KafkaAdmin.get(cluster.clusterId()))
                    .withDetail("brokers", nodes.size())
                    .build();
        } catch (Exception e) {
            return Health.down()
                    .withDetail("bootstrapServers", admin.bootstrapServers())
                    .withDetail(
                            "error",
                            "no answer from Kafka within " + KafkaAdmin.TIMEOUT_MS + " ms ("
                                    + e.getClass().getSimpleName() + ")")
                    .build();
        }
    }
}
