package io.iotgateway.twins;

import io.iotgateway.kafka.KafkaAdmin;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Makes sure the twin topic exists and is compacted. Deployments create it (compose, Strimzi) like the other topics;
 * the gateway creates it too, because brokers that auto-create topics would otherwise make it on first use with the
 * delete policy, and a twin not changed for a week would vanish from it.
 */
@Component
class TwinTopic {

    private static final Logger LOG = LoggerFactory.getLogger(TwinTopic.class);

    private final KafkaAdmin admin;
    private final String topic;
    private volatile boolean ensured;

    TwinTopic(KafkaAdmin admin, TwinProperties properties) {
        this.admin = admin;
        this.topic = properties.topic();
    }

    void ensure() {
        if (ensured) {
            return;
        }
        try {
            NewTopic compacted = new NewTopic(topic, Optional.empty(), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                KafkaAdmin.get(admin.client().createTopics(List.of(compacted)).all());
                LOG.info("created compacted topic {}", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                checkCompacted();
            }
            ensured = true;
        } catch (Exception e) {
            // Kafka not reachable yet: the sweep tries again
            LOG.warn("cannot check twin topic {} yet: {}", topic, e.getMessage());
        }
    }

    private void checkCompacted() throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        ConfigEntry policy = KafkaAdmin.get(
                        admin.client().describeConfigs(List.of(resource)).all())
                .get(resource)
                .get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (policy == null || !policy.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            LOG.warn(
                    "twin topic {} has cleanup.policy={}, not compact: twins not changed within its retention will"
                            + " disappear from it; set cleanup.policy=compact",
                    topic,
                    policy == null ? null : policy.value());
        }
    }
}
