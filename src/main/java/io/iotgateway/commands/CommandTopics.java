package io.iotgateway.commands;

import io.iotgateway.telemetry.TopicTemplate;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/** The topic names of the command loop, rendered from and parsed by the configured templates. */
@Component
class CommandTopics {

    /** A device id or component inside a dotted Kafka topic name: no dots, or the name would be ambiguous. */
    private static final String KAFKA_LEVEL = "[A-Za-z0-9_-]+";

    private static final String MQTT_LEVEL = "[^/+#]+";

    /** Which device and component a topic addresses. */
    record Target(String deviceId, String component) {}

    private final CommandProperties properties;
    private final Pattern kafkaCommandTopic;
    private final Pattern mqttReportTopic;

    CommandTopics(CommandProperties properties) {
        this.properties = properties;
        this.kafkaCommandTopic = TopicTemplate.toRegex(properties.kafkaCommandTopicTemplate(), KAFKA_LEVEL);
        this.mqttReportTopic = TopicTemplate.toRegex(properties.mqttReportTopic(), MQTT_LEVEL);
    }

    /** Every Kafka topic commands arrive on: the per-device topics of seed 000 and the one generic topic. */
    String kafkaSubscription() {
        return kafkaCommandTopic.pattern() + "|" + Pattern.quote(properties.kafkaCommandTopic());
    }

    /**
     * @return the addressed device and component, or empty for the generic topic (whose records name them in the
     *     body)
     */
    Optional<Target> parseKafkaCommandTopic(String topic) {
        return parse(kafkaCommandTopic, topic);
    }

    boolean isCommandTopic(String topic) {
        return properties.kafkaCommandTopic().equals(topic)
                || kafkaCommandTopic.matcher(topic).matches();
    }

    Optional<Target> parseMqttReportTopic(String topic) {
        return parse(mqttReportTopic, topic);
    }

    String mqttCommandTopic(String deviceId, String component) {
        return render(properties.mqttCommandTopic(), deviceId, component);
    }

    String mqttReportTopic(String deviceId, String component) {
        return render(properties.mqttReportTopic(), deviceId, component);
    }

    /** The MQTT filter every device report matches. */
    String mqttReportFilter() {
        return TopicTemplate.VARIABLE.matcher(properties.mqttReportTopic()).replaceAll("+");
    }

    String kafkaReportTopic(String deviceId, String component) {
        return render(properties.kafkaReportTopicTemplate(), deviceId, component);
    }

    private static Optional<Target> parse(Pattern pattern, String topic) {
        if (topic == null) {
            return Optional.empty();
        }
        Matcher matcher = pattern.matcher(topic);
        return matcher.matches()
                ? Optional.of(new Target(matcher.group("deviceId"), matcher.group("component")))
                : Optional.empty();
    }

    private static String render(String template, String deviceId, String component) {
        return TopicTemplate.render(template, Map.of("deviceId", deviceId, "component", component));
    }
}
