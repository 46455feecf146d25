package io.iotgateway.operations;

import io.iotgateway.config.FamilyProperties;
import io.iotgateway.config.GatewayProperties;
import io.iotgateway.telemetry.TopicTemplate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code topic} label of a Kafka record: its topic, except that a templated fan-out topic such as
 * {@code bike.000001.heartrate} is labelled with its template {@code bike.{deviceId}.{sensorType}}, so the number of
 * time series does not grow with the fleet.
 */
final class TopicLabels {

    static final String OTHER = "other";

    private final List<String> fixed = new ArrayList<>();
    private final Map<Pattern, String> templates = new LinkedHashMap<>();

    TopicLabels(GatewayProperties properties) {
        fixed.add(properties.topics().telemetry());
        fixed.add(properties.topics().alerts());
        fixed.add(properties.topics().deadLetter());
        for (FamilyProperties family : properties.families()) {
            if (family.fanOut() == null) {
                continue;
            }
            String template = family.fanOut().topic();
            if (TopicTemplate.variables(template).isEmpty()) {
                fixed.add(template);
            } else {
                templates.putIfAbsent(TopicTemplate.pattern(template), template);
            }
        }
    }

    String label(String topic) {
        if (topic == null) {
            return OTHER;
        }
        if (fixed.contains(topic)) {
            return topic;
        }
        for (Map.Entry<Pattern, String> template : templates.entrySet()) {
            if (template.getKey().matcher(topic).matches()) {
                return template.getValue();
            }
        }
        return OTHER;
    }
}
