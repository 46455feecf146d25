package io.iotgateway.sparkplug;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.Identifiers;
import io.iotgateway.telemetry.MessageIds;
import io.iotgateway.telemetry.TelemetryRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The gateway as a Sparkplug B host application for the messages of a {@code format: sparkplug} family: decodes each
 * payload, keeps the edge nodes' and devices' state ({@link SparkplugSessions}), turns DATA and BIRTH metrics into
 * canonical records and BIRTH/DEATH into device status events, asks an edge node for a rebirth when its state is
 * unknown or lost (a seq gap, data before its birth, an unknown alias), and rejects what cannot be resolved with
 * {@code sparkplug-unknown-alias} or {@code sparkplug-out-of-sequence}.
 *
 * <p>The state lives in memory: after a gateway restart the first message of each edge node finds no birth, and the
 * rebirth request it triggers rebuilds the state (the Sparkplug way for a host that comes online).
 */
@Component
public class SparkplugHost {

    private static final Logger LOG = LoggerFactory.getLogger(SparkplugHost.class);

    /** An edge node is asked for a rebirth at most this often: its data keeps arriving while the request travels. */
    static final Duration REBIRTH_HOLD_OFF = Duration.ofSeconds(2);

    private final SparkplugSessions sessions = new SparkplugSessions();
    private final SparkplugCodec codec = new SparkplugCodec();
    private final SparkplugPublisher publisher;
    private final ObjectMapper json;
    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Long> lastRebirth = new ConcurrentHashMap<>();
    private volatile ReadingListener listener;

    SparkplugHost(SparkplugPublisher publisher, ObjectMapper json, MeterRegistry meters) {
        this.publisher = publisher;
        this.json = json;
        this.meters = meters;
    }

    /**
     * A device status event for topic {@code device.status}: BIRTH makes a device online, DEATH offline.
     *
     * @param json {@code {deviceId, status, event, bdSeq?, timestamp, family, sourceTopic}}
     */
    public record StatusEvent(String deviceId, byte[] json) {}

    /**
     * What one message yields; both lists empty for a message the host only takes note of (a DEATH of an older
     * session, a command another host sent, STATE).
     *
     * @param deviceId the device (or edge node) the message is about, null when it is about none
     */
    public record Result(String deviceId, List<TelemetryRecord> records, List<StatusEvent> statuses) {}

    /**
     * @throws MessageRejectedException with the reason when the message cannot be used
     */
    public Result process(String family, String topic, byte[] payload, Instant receivedAt) {
        String printable = Identifiers.printable(topic);
        if (topic != null && topic.startsWith(SparkplugTopic.NAMESPACE + "/STATE/")) {
            count("gateway.sparkplug.messages", "type", "STATE");
            return new Result(null, List.of(), List.of());
        }
        SparkplugTopic parsed = SparkplugTopic.parse(topic)
                .orElseThrow(() -> new MessageRejectedException(
                        RejectReason.INVALID_TOPIC,
                        "topic '" + printable + "' is not a Sparkplug B topic: expected spBv1.0/{group}/{message"
                                + " type}/{edge node}[/{device}], each id letters, digits, '.', '_' or '-'"));
        String type = parsed.messageType();
        boolean deviceMessage = type.startsWith("D");
        if (!List.of("NBIRTH", "NDEATH", "NDATA", "DBIRTH", "DDEATH", "DDATA", "NCMD", "DCMD")
                        .contains(type)
                || deviceMessage != (parsed.device() != null)) {
            throw new MessageRejectedException(
                    RejectReason.INVALID_TOPIC,
                    "topic '" + printable + "': '" + type + "' is not a Sparkplug B message type"
                            + (parsed.device() == null ? "" : " with a device level")
                            + "; expected NBIRTH, NDATA, NDEATH, DBIRTH, DDATA or DDEATH");
        }
        count("gateway.sparkplug.messages", "type", type);
        if (type.endsWith("CMD")) {
            // Commands (this gateway's rebirth requests among them) share the namespace: not telemetry.
            return new Result(parsed.deviceId(), List.of(), List.of());
        }
        SparkplugPayload decoded = codec.decode(payload);
        SparkplugSessions.Outcome outcome = sessions.process(parsed, decoded);
        if (outcome.rebirth()) {
            requestRebirth(parsed);
        }
        if (outcome.skipped() > 0) {
            counter("gateway.sparkplug.metrics.skipped", "reason", "not-numeric")
                    .increment(outcome.skipped());
        }
        if (outcome.rejection() != null) {
            RejectReason reason = outcome.rejection() == SparkplugSessions.Rejection.UNKNOWN_ALIAS
                    ? RejectReason.SPARKPLUG_UNKNOWN_ALIAS
                    : RejectReason.SPARKPLUG_OUT_OF_SEQUENCE;
            count("gateway.sparkplug.rejected", "reason", reason.code());
            throw new MessageRejectedException(reason, outcome.detail());
        }
        List<TelemetryRecord> records = new ArrayList<>(outcome.readings().size());
        ReadingListener told = listener;
        for (int i = 0; i < outcome.readings().size(); i++) {
            TelemetryRecord record =
                    record(family, topic, payload, i, outcome.readings().get(i), receivedAt, decoded.seq());
            records.add(record);
            if (told != null) {
                told.reading(record.deviceId(), record.sensorType(), record.value(), receivedAt);
            }
        }
        List<StatusEvent> statuses = new ArrayList<>(outcome.statuses().size());
        for (SparkplugSessions.Status status : outcome.statuses()) {
            statuses.add(status(family, topic, status, receivedAt));
        }
        return new Result(parsed.deviceId(), records, statuses);
    }

    /** Told of every reading the host maps, so a command can be settled when its device reports the new value. */
    @FunctionalInterface
    public interface ReadingListener {
        void reading(String deviceId, String metric, double value, Instant at);
    }

    /** Registers the one listener (the command service). */
    public void onReading(ReadingListener listener) {
        this.listener = listener;
    }

    /** The numbers a command may write to a metric: its data type's range, whole numbers only for integer types. */
    public record NumberRange(double min, double max, boolean integral) {}

    /** The numbers a command may write to a metric of data type {@code type}; empty when it takes no number. */
    public static Optional<NumberRange> commandRange(String type) {
        return SparkplugCodec.commandRange(type);
    }

    /** Whether {@code deviceId} has the shape of a Sparkplug B id ({@code group/edgeNode[/device]}). */
    public static boolean isSparkplugId(String deviceId) {
        return deviceId != null && deviceId.indexOf('/') > 0 && target(deviceId).isPresent();
    }

    /**
     * The data type of a metric an online Sparkplug device (or edge node) announced in its birth, or empty when the
     * device is not online or announced no such metric.
     */
    public Optional<String> metricType(String deviceId, String metric) {
        return target(deviceId).flatMap(device -> sessions.metricType(device, metric));
    }

    /**
     * Publishes a DCMD (device) or NCMD (edge node) that sets {@code metric} to {@code value}.
     *
     * @throws IllegalArgumentException when the device is unknown or offline, or the metric does not take numbers
     * @throws RuntimeException when the MQTT broker does not take the command
     */
    public void command(String deviceId, String metric, double value) {
        SparkplugTopic device = target(deviceId)
                .orElseThrow(() -> new IllegalArgumentException("'" + deviceId + "' is not a Sparkplug B device id"));
        String type = sessions.metricType(device, metric)
                .orElseThrow(() -> new IllegalArgumentException("device '" + deviceId
                        + "' is not online or announced no metric '" + metric + "' in its birth"));
        byte[] payload = codec.command(metric, type, value, System.currentTimeMillis());
        publisher.publish(SparkplugTopic.commandTopic(device.group(), device.edgeNode(), device.device()), payload);
        count("gateway.sparkplug.commands", "type", device.device() == null ? "NCMD" : "DCMD");
    }

    private static Optional<SparkplugTopic> target(String deviceId) {
        String[] parts = deviceId.split("/", -1);
        if (parts.length < 2 || parts.length > 3) {
            return Optional.empty();
        }
        return SparkplugTopic.parse(SparkplugTopic.NAMESPACE + "/" + parts[0] + "/DDATA/" + parts[1]
                        + (parts.length == 3 ? "/" + parts[2] : ""))
                .map(t -> new SparkplugTopic(t.group(), "CMD", t.edgeNode(), t.device()));
    }

    /** Forgets every edge node, as a gateway restart does (the state is in memory): for tests of the recovery. */
    void forgetAll() {
        sessions.forgetAll();
        lastRebirth.clear();
    }

    /** Whether an edge node ({@code group/edgeNode}) is online as far as this host knows. */
    public boolean online(String nodeId) {
        return sessions.online(nodeId);
    }

    private void requestRebirth(SparkplugTopic topic) {
        long now = System.nanoTime();
        Long last = lastRebirth.get(topic.nodeId());
        if (last != null && now - last < REBIRTH_HOLD_OFF.toNanos()) {
            return;
        }
        lastRebirth.put(topic.nodeId(), now);
        try {
            publisher.request(topic.group(), topic.edgeNode(), codec.rebirthRequest(System.currentTimeMillis()));
            count("gateway.sparkplug.rebirth.requests", "result", "sent");
        } catch (RuntimeException e) {
            // The edge node's next message asks again once the hold-off has passed; the message itself goes on.
            lastRebirth.remove(topic.nodeId());
            count("gateway.sparkplug.rebirth.requests", "result", "failed");
            LOG.warn("Cannot request a rebirth of edge node {}: {}", topic.nodeId(), e.getMessage());
        }
    }

    private TelemetryRecord record(
            String family,
            String topic,
            byte[] payload,
            int index,
            SparkplugSessions.Reading reading,
            Instant receivedAt,
            Long seq) {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        if (reading.alias() != null) {
            metadata.put("alias", reading.alias());
        }
        if (reading.type() != null) {
            metadata.put("dataType", reading.type());
        }
        if (seq != null) {
            metadata.put("seq", seq);
        }
        return new TelemetryRecord(
                messageId(topic, index + ":" + reading.name(), payload),
                reading.deviceId(),
                reading.name(),
                reading.value(),
                reading.unit(),
                reading.timestamp() == null ? receivedAt : Instant.ofEpochMilli(reading.timestamp()),
                receivedAt,
                family,
                topic,
                metadata);
    }

    private StatusEvent status(String family, String topic, SparkplugSessions.Status status, Instant receivedAt) {
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("deviceId", status.deviceId());
        event.put("status", status.online() ? "online" : "offline");
        event.put("event", status.messageType());
        if (status.bdSeq() != null) {
            event.put("bdSeq", status.bdSeq());
        }
        event.put("timestamp", receivedAt.toString());
        event.put("family", family);
        event.put("sourceTopic", topic);
        try {
            return new StatusEvent(status.deviceId(), json.writeValueAsBytes(event));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sparkplug payloads carry a timestamp and a seq, so the bytes tell two messages apart: a stable id. The metric's
     * place in the payload is part of it, as one payload may carry several values of one metric (history).
     */
    private static String messageId(String topic, String metric, byte[] payload) {
        return MessageIds.of(topic, metric, payload);
    }

    private void count(String name, String tag, String value) {
        counter(name, tag, value).increment();
    }

    private Counter counter(String name, String tag, String value) {
        return counters.computeIfAbsent(
                name + '\0' + value,
                key -> Counter.builder(name).tag(tag, value).register(meters));
    }
}
