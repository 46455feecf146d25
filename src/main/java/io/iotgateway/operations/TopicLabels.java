package io.iotgateway.operations;

import io.iotgateway.config.GatewayProperties;
import io.iotgateway.telemetry.TopicTemplate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The {@code topic} label of a Kafka record: its topic, except that a topic with a device in its name such as
 * {@code bike.000001.heartrate} is labelled with its template {@code bike.{deviceId}.{sensorType}}. Fan-outs live in
 * user-editable YAML routes, so as a last guard distinct literal labels are capped: beyond the cap a topic counts as
 * {@code other} and the number of time series still cannot grow with the fleet.
 */
final class TopicLabels {

    static final String OTHER = "other";
    static final int MAX_LITERAL_TOPICS = 50;

    private final Set<String> literal = ConcurrentHashMap.newKeySet();
    private final Map<Pattern, String> templates = new LinkedHashMap<>();

    TopicLabels(GatewayProperties gateway, List<String> topicTemplates) {
        literal.add(gateway.topics().telemetry());
        literal.add(gateway.topics().alerts());
        literal.add(gateway.topics().deadLetter());
        for (String template : topicTemplates) {
            templates.putIfAbsent(TopicTemplate.pattern(template), template);
        }
    }

    String label(String topic) {
        if (topic == null) {
            return OTHER;
        }
        if (literal.contains(topic)) {
            return topic;
        }
        for (Map.Entry<Pattern, String> template : templates.entrySet()) {
            if (template.getKey().matcher(topic).matches()) {
                return template.getValue();
            }
        }
        if (literal.size() < MAX_LITERAL_TOPICS) {
            literal.add(topic);
            return topic;
        }
        return OTHER;
    }
}
