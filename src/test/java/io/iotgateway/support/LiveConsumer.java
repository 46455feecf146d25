package io.iotgateway.support;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;

/** The live view reads from the latest offset: tests wait until its consumer has its partitions. */
public final class LiveConsumer {

    private LiveConsumer() {}

    public static void awaitAssigned(String bootstrap, Duration atMost) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            await().atMost(atMost).until(() -> {
                var groups = admin.listConsumerGroups().all().get().stream()
                        .map(ConsumerGroupListing::groupId)
                        .filter(id -> id.startsWith("iot-gateway-live-"))
                        .toList();
                for (ConsumerGroupDescription group :
                        admin.describeConsumerGroups(groups).all().get().values()) {
                    boolean assigned = group.members().stream().anyMatch(m -> m.assignment().topicPartitions().stream()
                            .anyMatch(p -> p.topic().equals("device.telemetry")));
                    if (assigned) {
                        return true;
                    }
                }
                return false;
            });
        }
    }
}
