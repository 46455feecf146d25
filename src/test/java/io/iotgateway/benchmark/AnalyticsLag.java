package io.iotgateway.benchmark;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How fast the stream analytics get through what a load run ingested: the run's ingest time plus the time from the
 * end of the run (every record in Kafka) until the analytics' committed offsets (exactly-once, so only what is
 * processed and committed) reach the telemetry topic's end offsets.
 */
final class AnalyticsLag implements AutoCloseable {

    private static final String TOPIC = "device.telemetry";

    private final Admin admin;
    private final String group;
    private final Map<TopicPartition, Long> before;

    AnalyticsLag(String bootstrap, String group) throws Exception {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        this.group = group;
        this.before = endOffsets();
        // the analytics are caught up with everything before the run, so the run alone is measured
        await().atMost(Duration.ofMinutes(2)).until(() -> caughtUp(before));
    }

    /**
     * Records the analytics processed since the constructor, per second of ingest plus catch-up.
     *
     * @param ingestSeconds how long the run took to get its records into Kafka
     */
    double recordsPerSecond(double ingestSeconds) throws Exception {
        long end = System.nanoTime();
        Map<TopicPartition, Long> after = endOffsets();
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> caughtUp(after));
        double seconds = ingestSeconds + (System.nanoTime() - end) / 1e9;
        long records = after.entrySet().stream()
                .mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L))
                .sum();
        return records / seconds;
    }

    private boolean caughtUp(Map<TopicPartition, Long> target) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
        return target.entrySet().stream().allMatch(e -> {
            OffsetAndMetadata offset = committed.get(e.getKey());
            return e.getValue() == 0 || (offset != null && offset.offset() >= e.getValue());
        });
    }

    private Map<TopicPartition, Long> endOffsets() throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions =
                admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC).partitions().stream()
                        .map(p -> new TopicPartition(TOPIC, p.partition()))
                        .toList();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(latest).all().get().forEach((p, info) -> out.put(p, info.offset()));
        return out;
    }

    @Override
    public void close() {
        admin.close();
    }
}
