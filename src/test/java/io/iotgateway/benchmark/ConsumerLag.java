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
 * How fast one of the gateway's consumer groups of the telemetry topic (the stream analytics, the MongoDB persistence)
 * gets through what a load run ingested: how far behind it is when the run's last record is in Kafka, and the run's
 * ingest time plus the time until the group's committed offsets (committed only once processed: stored, or
 * exactly-once) reach the topic's end offsets.
 */
final class ConsumerLag implements AutoCloseable {

    private final Admin admin;
    private final String group;
    private final String topic;
    private final Map<TopicPartition, Long> before;

    private double catchUpSeconds = Double.NaN;
    private Map<TopicPartition, Long> target;

    ConsumerLag(String bootstrap, String group, String topic) throws Exception {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        this.group = group;
        this.topic = topic;
        this.before = endOffsets();
        // the group is caught up with everything before the run, so the run alone is measured
        await().atMost(Duration.ofMinutes(2)).until(() -> caughtUp(before));
    }

    /** Records on the topic the group has not committed yet. */
    long lag() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = committed();
        return endOffsets().entrySet().stream()
                .mapToLong(e -> {
                    OffsetAndMetadata offset = committed.get(e.getKey());
                    long done = offset != null ? offset.offset() : before.getOrDefault(e.getKey(), 0L);
                    return Math.max(0, e.getValue() - done);
                })
                .sum();
    }

    /**
     * Records the group processed since the constructor, per second of ingest plus catch-up.
     *
     * @param ingestSeconds how long the run took to get its records into Kafka
     */
    double recordsPerSecond(double ingestSeconds) throws Exception {
        if (Double.isNaN(catchUpSeconds)) {
            awaitCaughtUp(List.of(this), System.nanoTime());
        }
        long records = target.entrySet().stream()
                .mapToLong(e -> e.getValue() - before.getOrDefault(e.getKey(), 0L))
                .sum();
        return records / (ingestSeconds + catchUpSeconds);
    }

    /** Seconds from the end of the run until the group had committed every record (after {@link #awaitCaughtUp}). */
    double catchUpSeconds() {
        return catchUpSeconds;
    }

    /**
     * Waits until each group has committed every record now on its topic, noting for each how long after {@code
     * runEndNanos} it got there (the groups are polled together, so one's wait does not count in another's time).
     */
    static void awaitCaughtUp(List<ConsumerLag> lags, long runEndNanos) throws Exception {
        for (ConsumerLag lag : lags) {
            lag.target = lag.endOffsets();
        }
        await().atMost(Duration.ofMinutes(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    boolean all = true;
                    for (ConsumerLag lag : lags) {
                        if (Double.isNaN(lag.catchUpSeconds)) {
                            if (lag.caughtUp(lag.target)) {
                                lag.catchUpSeconds = (System.nanoTime() - runEndNanos) / 1e9;
                            } else {
                                all = false;
                            }
                        }
                    }
                    return all;
                });
    }

    private boolean caughtUp(Map<TopicPartition, Long> target) throws ExecutionException, InterruptedException {
        Map<TopicPartition, OffsetAndMetadata> committed = committed();
        return target.entrySet().stream().allMatch(e -> {
            OffsetAndMetadata offset = committed.get(e.getKey());
            return e.getValue() == 0 || (offset != null && offset.offset() >= e.getValue());
        });
    }

    private Map<TopicPartition, OffsetAndMetadata> committed() throws ExecutionException, InterruptedException {
        return admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get();
    }

    private Map<TopicPartition, Long> endOffsets() throws ExecutionException, InterruptedException {
        List<TopicPartition> partitions =
                admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                        .map(p -> new TopicPartition(topic, p.partition()))
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
