package io.iotgateway.sparkplug;

import io.iotgateway.telemetry.Identifiers;
import java.util.Optional;

/**
 * A Sparkplug B topic: {@code spBv1.0/{group}/{messageType}/{edgeNode}[/{device}]}.
 *
 * @param device null for the edge node's own messages (NBIRTH, NDATA, NDEATH, NCMD)
 */
public record SparkplugTopic(String group, String messageType, String edgeNode, String device) {

    public static final String NAMESPACE = "spBv1.0";

    /** The topic, or empty when it is not a Sparkplug B topic with usable ids (a STATE topic is not one either). */
    public static Optional<SparkplugTopic> parse(String topic) {
        if (topic == null || !topic.startsWith(NAMESPACE + "/")) {
            return Optional.empty();
        }
        String[] levels = topic.split("/", -1);
        if (levels.length != 4 && levels.length != 5) {
            return Optional.empty();
        }
        for (int i = 1; i < levels.length; i++) {
            if (!Identifiers.isValid(levels[i])) {
                return Optional.empty();
            }
        }
        return Optional.of(new SparkplugTopic(levels[1], levels[2], levels[3], levels.length == 5 ? levels[4] : null));
    }

    /** The edge node's key, {@code group/edgeNode}: the unit of {@code seq} and of the lane a message runs on. */
    public String nodeId() {
        return group + "/" + edgeNode;
    }

    /** The canonical device id: {@code group/edgeNode/device}, or {@code group/edgeNode} for the node itself. */
    public String deviceId() {
        return device == null ? nodeId() : nodeId() + "/" + device;
    }

    /** The edge node key of a topic, without parsing more than needed (lanes ask for every message). */
    public static String nodeIdOf(String topic) {
        return parse(topic).map(SparkplugTopic::nodeId).orElse(topic);
    }

    static String commandTopic(String group, String edgeNode, String device) {
        return device == null
                ? NAMESPACE + "/" + group + "/NCMD/" + edgeNode
                : NAMESPACE + "/" + group + "/DCMD/" + edgeNode + "/" + device;
    }
}
