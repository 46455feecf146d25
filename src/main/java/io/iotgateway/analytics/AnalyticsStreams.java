package io.iotgateway.analytics;

import static java.util.concurrent.TimeUnit.MILLISECONDS;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.kafka.KafkaSecurityProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.BuiltInDslStoreSuppliers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the analytics topology for as long as the application runs: started with the context, closed (committing its
 * transaction) when it stops. Exactly-once processing makes a restart neither emit a window twice nor lose one: state
 * and output offsets are committed in one Kafka transaction, and the in-memory stores are restored from their
 * changelog topics.
 */
@Component
@ConditionalOnProperty(name = "gateway.analytics.enabled", havingValue = "true", matchIfMissing = true)
class AnalyticsStreams implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsStreams.class);
    // A close that cannot commit in time (broker gone) is safe to cut short: exactly-once redoes the open work. It
    // comes before Camel's stop, and both must fit in an orchestrator's grace period (30 s) with Kafka unreachable.
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final AnalyticsProperties properties;
    private final String telemetryTopic;
    private final String instanceId;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final KafkaSecurityProperties security;
    private final Counter skipped;
    private static final Duration TOPIC_CHECK = Duration.ofSeconds(1);

    private volatile boolean running;
    private volatile KafkaStreams streams;
    private volatile KafkaStreamsMetrics streamsMetrics;
    private ScheduledExecutorService topicWatch;
    private volatile Admin topics;
    private boolean announcedWait;

    AnalyticsStreams(
            AnalyticsProperties properties,
            GatewayProperties gateway,
            KafkaSecurityProperties security,
            ObjectMapper json,
            MeterRegistry meters) {
        this.properties = properties;
        this.security = security;
        this.telemetryTopic = gateway.topics().telemetry();
        this.instanceId = gateway.mqtt().clientId() + "-analytics";
        this.json = json;
        this.meters = meters;
        this.skipped = Counter.builder("gateway.analytics.records.skipped")
                .description("Telemetry records left out of the analytics: no valid event time, or not a canonical"
                        + " record (counted per read, so again after a restart re-reads them)")
                .register(meters);
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        // Kafka Streams fails its threads when a source topic is missing, and on a fresh cluster device.telemetry
        // exists only once the first record was written: start once it is there, checked off the start-up thread.
        Map<String, Object> config = new HashMap<>(security.clientProperties());
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, instanceId + "-topics");
        topics = Admin.create(config);
        topicWatch = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "analytics-source-topic");
            thread.setDaemon(true);
            return thread;
        });
        topicWatch.scheduleWithFixedDelay(this::startWhenSourceTopicExists, 0, TOPIC_CHECK.toMillis(), MILLISECONDS);
    }

    private void startWhenSourceTopicExists() {
        Admin admin = topics;
        boolean exists;
        try {
            exists = admin != null
                    && admin.listTopics()
                            .names()
                            .get(TOPIC_CHECK.toMillis() * 5, MILLISECONDS)
                            .contains(telemetryTopic);
        } catch (Exception e) {
            LOG.debug("Cannot list Kafka topics yet: {}", e.toString());
            return;
        }
        synchronized (this) {
            if (!running || streams != null) {
                return;
            }
            if (!exists) {
                if (!announcedWait) {
                    LOG.info(
                            "Stream analytics waits for topic {} (created with the first telemetry record)",
                            telemetryTopic);
                    announcedWait = true;
                }
                return;
            }
            startStreams();
            stopTopicWatch();
        }
    }

    private void stopTopicWatch() {
        if (topicWatch != null) {
            topicWatch.shutdownNow();
            topicWatch = null;
        }
        if (topics != null) {
            topics.close(Duration.ZERO);
            topics = null;
        }
    }

    private void startStreams() {
        Topology topology = AnalyticsTopology.build(properties, telemetryTopic, json, skipped);
        KafkaStreams created = new KafkaStreams(topology, config());
        created.setUncaughtExceptionHandler(e -> {
            // A failure the stream thread cannot handle (e.g. a broker error beyond retries): the uncommitted work
            // is aborted and redone by a fresh thread, so nothing is lost or emitted twice.
            LOG.error("Stream analytics thread failed; replacing it. Cause: {}", e.toString(), e);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
        });
        created.setStateListener((now, before) -> LOG.info("Stream analytics: {} -> {}", before, now));
        streamsMetrics = new KafkaStreamsMetrics(created);
        streamsMetrics.bindTo(meters);
        created.start();
        streams = created;
    }

    @Override
    public void stop() {
        KafkaStreams running;
        synchronized (this) {
            this.running = false;
            stopTopicWatch();
            running = streams;
            streams = null;
        }
        if (running == null) {
            return;
        }
        if (!running.close(CLOSE_TIMEOUT)) {
            LOG.warn(
                    "Stream analytics did not close within {}; uncommitted work is redone on the next start",
                    CLOSE_TIMEOUT);
        }
        streamsMetrics.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** True while the analytics wait for their source topic to be created. */
    boolean waitingForSourceTopic() {
        return running && streams == null;
    }

    /** The state Kafka Streams reports, or null when stopped. */
    KafkaStreams.State state() {
        KafkaStreams running = streams;
        return running == null ? null : running.state();
    }

    /**
     * Records Kafka Streams dropped, all tasks together: late beyond the allowed lateness (window already closed),
     * or without an event time.
     */
    double droppedRecords() {
        KafkaStreams running = streams;
        if (running == null) {
            return 0;
        }
        return running.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("dropped-records-total")
                        && e.getKey().group().equals("stream-task-metrics"))
                .map(e -> e.getValue())
                .mapToDouble(AnalyticsStreams::value)
                .sum();
    }

    private static double value(Metric metric) {
        return metric.metricValue() instanceof Number n ? n.doubleValue() : 0;
    }

    Properties config() {
        Properties config = new Properties();
        // TLS and SASL as every other Kafka client of the gateway (gateway.kafka)
        config.putAll(security.clientProperties());
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, properties.applicationId());
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, properties.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(
                StreamsConfig.COMMIT_INTERVAL_MS_CONFIG,
                properties.commitInterval().toMillis());
        // In-memory stores restored from changelogs: no RocksDB (whose native library the classpath shares with
        // the test broker), and nothing on local disk to lose or to lock between replicas.
        config.put(
                StreamsConfig.DSL_STORE_SUPPLIERS_CLASS_CONFIG,
                BuiltInDslStoreSuppliers.InMemoryDslStoreSuppliers.class);
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // Static membership, from the id that is already stable per instance (the MQTT client id): a restarted
        // instance takes its partitions back at once instead of waiting for the group to time its old member out.
        config.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instanceId);
        return config;
    }
}
