package io.iotgateway.operations;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.kafka.KafkaAdmin;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * {@code gateway_kafka_consumer_lag_records{group,topic}}: records on the topic not yet committed by the persistence
 * consumer group (summed over partitions), measured every {@code gateway.metrics.lag-interval} through the admin API.
 * Measured out of band, not on scrape, so a slow or absent Kafka never slows down {@code /actuator/prometheus}.
 */
@Component
@ConditionalOnProperty(name = "gateway.persistence.enabled", havingValue = "true", matchIfMissing = true)
class KafkaLagMonitor implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaLagMonitor.class);

    private final KafkaAdmin admin;
    private final MeterRegistry meters;
    private final String group;
    private final String topic;
    private final long intervalMillis;
    private final Map<String, AtomicLong> lagByTopic = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private volatile boolean lastFailed;

    KafkaLagMonitor(KafkaAdmin admin, MeterRegistry meters, GatewayProperties gateway, MetricsProperties properties) {
        this.admin = admin;
        this.meters = meters;
        this.group = gateway.persistence().groupId();
        this.topic = gateway.topics().telemetry();
        this.intervalMillis = properties.lagInterval().toMillis();
    }

    /** Measures once, now; also what the schedule runs. Returns the lag per topic. */
    Map<String, Long> measure() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                KafkaAdmin.get(admin.client().listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata());
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        var partitions = KafkaAdmin.get(
                        admin.client().describeTopics(List.of(topic)).allTopicNames())
                .get(topic)
                .partitions();
        for (var partition : partitions) {
            TopicPartition tp = new TopicPartition(topic, partition.partition());
            latest.put(tp, OffsetSpec.latest());
            earliest.put(tp, OffsetSpec.earliest());
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                KafkaAdmin.get(admin.client().listOffsets(latest).all());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts =
                KafkaAdmin.get(admin.client().listOffsets(earliest).all());
        long lag = 0;
        for (TopicPartition tp : latest.keySet()) {
            OffsetAndMetadata offset = committed.get(tp);
            long from = offset != null ? offset.offset() : starts.get(tp).offset();
            lag += Math.max(0, ends.get(tp).offset() - from);
        }
        gauge(topic).set(lag);
        return Map.of(topic, lag);
    }

    private AtomicLong gauge(String topicName) {
        return lagByTopic.computeIfAbsent(topicName, name -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder("gateway.kafka.consumer.lag.records", value, AtomicLong::get)
                    .description("Records not yet committed by the consumer group, summed over partitions")
                    .tag("group", group)
                    .tag("topic", name)
                    .register(meters);
            return value;
        });
    }

    private void measureQuietly() {
        try {
            measure();
            if (lastFailed) {
                LOG.info("Kafka consumer lag of group {} is measured again", group);
            }
            lastFailed = false;
        } catch (Exception e) {
            // Kafka being down is reported by health and logged by the routes; say it once here.
            if (!lastFailed) {
                LOG.warn("Cannot measure Kafka consumer lag of group {}: {}", group, e.toString());
            }
            lastFailed = true;
        }
    }

    @Override
    public synchronized void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "gateway-kafka-lag");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::measureQuietly, 0, intervalMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
