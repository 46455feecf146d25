package io.iotgateway.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.kafka.KafkaSecurityProperties;
import io.iotgateway.support.GatewayIntegrationTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.Status;

/**
 * On a fresh cluster the telemetry topic exists only once the first record was written. The analytics must wait for it
 * instead of starting Kafka Streams, whose threads then fail with MissingSourceTopicException (which once failed three
 * unrelated tests through Awaitility on a fresh machine).
 */
class AnalyticsSourceTopicIT extends GatewayIntegrationTest {

    @Autowired
    AnalyticsProperties analytics;

    @Autowired
    GatewayProperties gateway;

    @Autowired
    KafkaSecurityProperties security;

    @Autowired
    ObjectMapper json;

    @Test
    void waitsForItsSourceTopicThenStarts() throws Exception {
        String topic = uniqueId("telemetry-fresh");
        AnalyticsStreams streams = new AnalyticsStreams(
                withApplicationId(uniqueId("analytics-fresh")),
                withTelemetryTopic(topic),
                security,
                json,
                new SimpleMeterRegistry());
        AnalyticsHealthIndicator health = new AnalyticsHealthIndicator(streams);
        streams.start();
        try {
            // Several topic checks pass (one a second) without Kafka Streams being started.
            await().during(Duration.ofSeconds(3))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> streams.waitingForSourceTopic() && streams.state() == null);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            assertThat(health.health().getDetails()).containsEntry("state", "WAITING_FOR_SOURCE_TOPIC");

            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BROKERS.kafkaBootstrap()))) {
                admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
                        .all()
                        .get();
            }

            await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
            assertThat(streams.waitingForSourceTopic()).isFalse();
            assertThat(health.health().getDetails()).containsEntry("state", "RUNNING");
        } finally {
            streams.stop();
        }
        assertThat(streams.isRunning()).isFalse();
    }

    private AnalyticsProperties withApplicationId(String applicationId) {
        AnalyticsProperties a = analytics;
        return new AnalyticsProperties(
                true,
                applicationId,
                a.bootstrapServers(),
                a.window(),
                a.allowedLateness(),
                a.sessionIdle(),
                a.sessionFamily(),
                a.commitInterval(),
                applicationId + "-sensor",
                applicationId + "-place",
                applicationId + "-sessions",
                a.sensorCollection(),
                a.placeCollection(),
                a.sessionCollection(),
                a.groupId(),
                a.batchSize());
    }

    private GatewayProperties withTelemetryTopic(String topic) {
        GatewayProperties g = gateway;
        return new GatewayProperties(
                g.mqtt(),
                new GatewayProperties.Topics(
                        topic, g.topics().deadLetter(), g.topics().alerts()),
                g.ingest(),
                g.persistence(),
                g.errors(),
                g.families());
    }
}
