package io.iotgateway.sparkplug;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state a Sparkplug B host application keeps per edge node and device: metric names by alias and units from
 * NBIRTH/DBIRTH, {@code seq} continuity (0-255, per edge node over node and device messages), online/offline from
 * BIRTH/DEATH and the session's {@code bdSeq}. Pure logic: what to publish, reject or request is the caller's.
 *
 * <p>Messages of one edge node arrive on one ingest lane, in order; the per-node lock only guards against a replayed
 * dead letter running beside them.
 */
final class SparkplugSessions {

    /** Metrics that are the protocol's, not readings. */
    private static final String NODE_CONTROL = "Node Control/";

    private static final String BD_SEQ = "bdSeq";

    enum Rejection {
        UNKNOWN_ALIAS,
        OUT_OF_SEQUENCE
    }

    record Reading(String deviceId, String name, double value, String unit, Long timestamp, Long alias, String type) {}

    record Status(String deviceId, boolean online, String messageType, Long bdSeq) {}

    /**
     * @param rebirth true when the edge node should be asked to send its births again
     * @param rejection why the message cannot be used (null: it can)
     * @param detail the sentence for the dead letter
     * @param skipped metrics that have no numeric value (strings, data sets, nulls): counted, not readings
     */
    record Outcome(
            List<Reading> readings,
            List<Status> statuses,
            boolean rebirth,
            Rejection rejection,
            String detail,
            int skipped) {

        static Outcome rejected(Rejection rejection, String detail, boolean rebirth) {
            return new Outcome(List.of(), List.of(), rebirth, rejection, detail, 0);
        }
    }

    /** One edge node's session as the host sees it. */
    private static final class Node {
        boolean born;
        boolean online;
        /** Set by a seq gap: data is unusable until the next NBIRTH. */
        boolean stale;

        Long bdSeq;
        long seq = -1;
        final Map<Long, String> aliases = new HashMap<>();
        final Map<String, String> units = new HashMap<>();
        final Map<String, String> types = new HashMap<>();
        final Map<String, Device> devices = new HashMap<>();
    }

    private static final class Device {
        boolean online;
        final Map<Long, String> aliases = new HashMap<>();
        final Map<String, String> units = new HashMap<>();
        final Map<String, String> types = new HashMap<>();
    }

    private final Map<String, Node> nodes = new ConcurrentHashMap<>();

    Outcome process(SparkplugTopic topic, SparkplugPayload payload) {
        Node node = nodes.computeIfAbsent(topic.nodeId(), id -> new Node());
        synchronized (node) {
            return switch (topic.messageType()) {
                case "NBIRTH" -> nodeBirth(topic, node, payload);
                case "NDEATH" -> nodeDeath(topic, node, payload);
                case "DBIRTH" -> deviceBirth(topic, node, payload);
                case "DDEATH" -> deviceDeath(topic, node, payload);
                case "NDATA", "DDATA" -> data(topic, node, payload);
                default -> throw new IllegalArgumentException(topic.messageType());
            };
        }
    }

    /**
     * The data type of a metric the device's (or node's) birth announced, or empty when the device is not online or
     * announced no such metric. An empty type string: announced without a data type.
     */
    Optional<String> metricType(SparkplugTopic device, String metric) {
        Node node = nodes.get(device.nodeId());
        if (node == null) {
            return Optional.empty();
        }
        synchronized (node) {
            if (!node.online || node.stale) {
                return Optional.empty();
            }
            Map<Long, String> aliases;
            Map<String, String> types;
            if (device.device() == null) {
                aliases = node.aliases;
                types = node.types;
            } else {
                Device state = node.devices.get(device.device());
                if (state == null || !state.online) {
                    return Optional.empty();
                }
                aliases = state.aliases;
                types = state.types;
            }
            if (!aliases.containsValue(metric) && !types.containsKey(metric)) {
                return Optional.empty();
            }
            return Optional.of(types.getOrDefault(metric, ""));
        }
    }

    void forgetAll() {
        nodes.clear();
    }

    /** Whether the edge node is online (for tests and the status API). */
    boolean online(String nodeId) {
        Node node = nodes.get(nodeId);
        return node != null && node.online;
    }

    private Outcome nodeBirth(SparkplugTopic topic, Node node, SparkplugPayload payload) {
        node.born = true;
        node.online = true;
        node.stale = false;
        node.seq = payload.seq() == null ? 0 : payload.seq();
        node.aliases.clear();
        node.units.clear();
        node.types.clear();
        // Devices are born again after their node: until then their aliases are unknown.
        List<Status> statuses = new ArrayList<>();
        node.devices.forEach((device, state) -> {
            if (state.online) {
                statuses.add(new Status(topic.nodeId() + "/" + device, false, "NBIRTH", null));
            }
        });
        node.devices.clear();
        node.bdSeq = null;
        for (SparkplugPayload.Metric metric : payload.metrics()) {
            if (BD_SEQ.equals(metric.name()) && metric.value() != null) {
                node.bdSeq = metric.value().longValue();
            }
            learn(metric, node.aliases, node.units, node.types);
        }
        statuses.add(0, new Status(topic.nodeId(), true, "NBIRTH", node.bdSeq));
        return readings(topic, payload, node.aliases, node.units, node.types, statuses);
    }

    private Outcome nodeDeath(SparkplugTopic topic, Node node, SparkplugPayload payload) {
        Long bdSeq = null;
        for (SparkplugPayload.Metric metric : payload.metrics()) {
            if (BD_SEQ.equals(metric.name()) && metric.value() != null) {
                bdSeq = metric.value().longValue();
            }
        }
        // The broker publishes an old session's will after a new session was born: that death is not this session's.
        if (node.born && bdSeq != null && node.bdSeq != null && !bdSeq.equals(node.bdSeq)) {
            return new Outcome(List.of(), List.of(), false, null, null, 0);
        }
        List<Status> statuses = new ArrayList<>();
        statuses.add(new Status(topic.nodeId(), false, "NDEATH", bdSeq));
        for (Map.Entry<String, Device> device : node.devices.entrySet()) {
            if (device.getValue().online) {
                statuses.add(new Status(topic.nodeId() + "/" + device.getKey(), false, "NDEATH", bdSeq));
            }
            device.getValue().online = false;
        }
        node.online = false;
        node.born = false;
        node.seq = -1;
        return new Outcome(List.of(), statuses, false, null, null, 0);
    }

    private Outcome deviceBirth(SparkplugTopic topic, Node node, SparkplugPayload payload) {
        Outcome out = sequence(topic, node, payload);
        if (out != null) {
            return out;
        }
        Device device = new Device();
        device.online = true;
        for (SparkplugPayload.Metric metric : payload.metrics()) {
            learn(metric, device.aliases, device.units, device.types);
        }
        node.devices.put(topic.device(), device);
        return readings(
                topic,
                payload,
                device.aliases,
                device.units,
                device.types,
                List.of(new Status(topic.deviceId(), true, "DBIRTH", node.bdSeq)));
    }

    private Outcome deviceDeath(SparkplugTopic topic, Node node, SparkplugPayload payload) {
        Outcome out = sequence(topic, node, payload);
        if (out != null) {
            return out;
        }
        Device device = node.devices.get(topic.device());
        if (device != null) {
            device.online = false;
        }
        return new Outcome(
                List.of(), List.of(new Status(topic.deviceId(), false, "DDEATH", node.bdSeq)), false, null, null, 0);
    }

    private Outcome data(SparkplugTopic topic, Node node, SparkplugPayload payload) {
        Outcome out = sequence(topic, node, payload);
        if (out != null) {
            return out;
        }
        Map<Long, String> aliases;
        Map<String, String> units;
        Map<String, String> types;
        if (topic.device() == null) {
            aliases = node.aliases;
            units = node.units;
            types = node.types;
        } else {
            Device device = node.devices.get(topic.device());
            if (device == null) {
                return unresolved(
                        topic,
                        payload,
                        "device '" + topic.device() + "' sent " + topic.messageType() + " before its DBIRTH");
            }
            aliases = device.aliases;
            units = device.units;
            types = device.types;
        }
        return readings(topic, payload, aliases, units, types, List.of());
    }

    /** Null when the message is in sequence; otherwise why it is not (and a rebirth request). */
    private Outcome sequence(SparkplugTopic topic, Node node, SparkplugPayload payload) {
        if (!node.born) {
            return unresolved(
                    topic,
                    payload,
                    "edge node '" + topic.nodeId() + "' sent " + topic.messageType()
                            + " before its NBIRTH (or after its NDEATH)");
        }
        if (node.stale) {
            return Outcome.rejected(
                    Rejection.OUT_OF_SEQUENCE,
                    "edge node '" + topic.nodeId() + "' lost messages (a seq gap); waiting for its NBIRTH",
                    true);
        }
        Long seq = payload.seq();
        if (seq == null) {
            node.stale = true;
            return Outcome.rejected(Rejection.OUT_OF_SEQUENCE, topic.messageType() + " without seq", true);
        }
        long expected = (node.seq + 1) % 256;
        if (seq == node.seq) {
            // The same message again (an MQTT redelivery): used again; its record ids repeat, so nothing doubles.
            return null;
        }
        if (seq != expected) {
            node.stale = true;
            return Outcome.rejected(
                    Rejection.OUT_OF_SEQUENCE,
                    "edge node '" + topic.nodeId() + "': seq " + seq + " after " + node.seq + "; expected " + expected,
                    true);
        }
        node.seq = seq;
        return null;
    }

    /** Data the host has no birth for: usable only when every metric names itself. */
    private static Outcome unresolved(SparkplugTopic topic, SparkplugPayload payload, String why) {
        for (SparkplugPayload.Metric metric : payload.metrics()) {
            if (metric.name() == null) {
                return Outcome.rejected(
                        Rejection.UNKNOWN_ALIAS, why + ": alias " + metric.alias() + " cannot be resolved", true);
            }
        }
        Outcome named = readings(topic, payload, Map.of(), Map.of(), Map.of(), List.of());
        return new Outcome(named.readings(), List.of(), true, null, null, named.skipped());
    }

    private static void learn(
            SparkplugPayload.Metric metric,
            Map<Long, String> aliases,
            Map<String, String> units,
            Map<String, String> types) {
        if (metric.name() == null) {
            return;
        }
        if (metric.dataType() != null) {
            types.put(metric.name(), metric.dataType());
        }
        if (metric.alias() != null) {
            aliases.put(metric.alias(), metric.name());
        }
        if (metric.unit() != null) {
            units.put(metric.name(), metric.unit());
        }
    }

    private static Outcome readings(
            SparkplugTopic topic,
            SparkplugPayload payload,
            Map<Long, String> aliases,
            Map<String, String> units,
            Map<String, String> types,
            List<Status> statuses) {
        List<Reading> readings = new ArrayList<>(payload.metrics().size());
        int skipped = 0;
        for (SparkplugPayload.Metric metric : payload.metrics()) {
            String name = metric.name();
            if (name == null) {
                name = aliases.get(metric.alias());
                if (name == null) {
                    return Outcome.rejected(
                            Rejection.UNKNOWN_ALIAS,
                            "alias " + metric.alias() + " of '" + topic.deviceId() + "' was not in its BIRTH",
                            true);
                }
            }
            if (BD_SEQ.equals(name) || name.startsWith(NODE_CONTROL)) {
                continue;
            }
            if (metric.value() == null) {
                skipped++;
                continue;
            }
            String unit = metric.unit() != null ? metric.unit() : units.get(name);
            Long timestamp = metric.timestamp() != null ? metric.timestamp() : payload.timestamp();
            // DATA may leave the data type out (Sparkplug 3.0 says it should): the birth named it
            String type = metric.dataType() != null ? metric.dataType() : types.get(name);
            readings.add(new Reading(topic.deviceId(), name, metric.value(), unit, timestamp, metric.alias(), type));
        }
        return new Outcome(readings, statuses, false, null, null, skipped);
    }
}
