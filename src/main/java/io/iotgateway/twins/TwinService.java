package io.iotgateway.twins;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.iotgateway.commands.Command;
import io.iotgateway.commands.CommandService;
import io.iotgateway.commands.CommandStatus;
import io.iotgateway.web.ApiParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Service;

/**
 * Device twins: operators set desired values, the device's reports set reported ones, and the gateway drives the
 * difference (the delta) to zero through the ordinary command path, one command per open component.
 *
 * <p>A component with a pending command gets no second one. A command that timed out or failed is sent again only when
 * the device is next seen (telemetry or a report arrives) and its back-off has passed, so an offline fleet costs
 * nothing. State lives in MongoDB; the compacted topic and the live events follow each change.
 */
@Service
class TwinService implements DisposableBean {

    static final String PUBLISH_ENDPOINT = "direct:twins-publish";

    private static final Logger LOG = LoggerFactory.getLogger(TwinService.class);
    private static final int MAX_ROUNDS = 10;
    private static final int PUBLISH_LANES = 2;
    /** The least time between two looks at one device's twin on account of its telemetry. */
    private static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);
    /**
     * How long a value reported through telemetry is taken as still recorded: a report through another replica in
     * the meantime is corrected by the device's next record after this.
     */
    private static final Duration REPORT_RECHECK = Duration.ofSeconds(10);

    private final TwinStore store;
    private final CommandService commands;
    private final ProducerTemplate producer;
    private final ObjectMapper json;
    private final Clock clock;
    private final TwinProperties properties;
    /** Devices with a delta -> when their telemetry is next worth a look; refreshed from MongoDB by the sweep. */
    private final Map<String, Instant> open = new ConcurrentHashMap<>();
    /** "deviceId\ncomponent" -> the value telemetry last reported and when this instance recorded it. */
    private final Map<String, Recent> recentReports = new ConcurrentHashMap<>();
    // Publishing waits for Kafka; API callers and consumers must not. One lane per device keeps its records in order.
    private final ExecutorService[] publishers = new ExecutorService[PUBLISH_LANES];

    TwinService(
            TwinStore store,
            CommandService commands,
            ProducerTemplate producer,
            ObjectMapper json,
            Clock clock,
            TwinProperties properties) {
        this.store = store;
        this.commands = commands;
        this.producer = producer;
        this.json = json;
        this.clock = clock;
        this.properties = properties;
        for (int i = 0; i < PUBLISH_LANES; i++) {
            int lane = i;
            publishers[i] = Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "twins-publish-" + lane);
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    /** A device never seen has an empty twin at version 0. */
    Twin get(String deviceId) {
        return Twin.of(read(ApiParameters.identifier("deviceId", deviceId)));
    }

    /**
     * Applies a merge patch to the desired values and sends the commands it calls for.
     *
     * @param ifMatch the version the caller read, or null to apply whatever the current version
     * @throws VersionConflictException when the twin is no longer at {@code ifMatch}
     */
    Twin patchDesired(String deviceId, Long ifMatch, byte[] body) {
        ApiParameters.identifier("deviceId", deviceId);
        Map<String, Double> patch = new LinkedHashMap<>();
        TwinPatch.parse(body).forEach((component, value) -> {
            if (value.isNull()) {
                patch.put(component, null);
            } else {
                // the same rules and reasons as a command with this value
                commands.check(deviceId, component, properties.commandFor(component), value);
                patch.put(component, value.doubleValue());
            }
        });
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Instant now = clock.instant();
            TwinState current = read(deviceId);
            if (ifMatch != null && ifMatch != current.version()) {
                throw new VersionConflictException(current.version());
            }
            TwinState next = current.mergeDesired(patch, now);
            if (next == current) {
                return Twin.of(current);
            }
            Optional<TwinState> written = store.write(current, next, now);
            if (written.isPresent()) {
                changed(current, written.get(), now);
                drive(deviceId, true);
                return Twin.of(read(deviceId));
            }
        }
        throw new VersionConflictException(read(deviceId).version());
    }

    /** A record of the command status topic: a report updates {@code reported}, and the device was seen. */
    void onCommandStatus(byte[] record) {
        JsonNode command;
        try {
            command = json.readTree(record);
        } catch (IOException e) {
            return;
        }
        String deviceId = command.path("deviceId").asText(null);
        String component = command.path("component").asText(null);
        String status = command.path("status").asText("");
        if (deviceId == null || component == null) {
            return;
        }
        if (CommandStatus.ACKED.name().equals(status)) {
            JsonNode value = command.path("state").path("value");
            if (value.isNumber()) {
                Instant at = instant(command.path("reportedAt").asText(null));
                report(deviceId, component, value.doubleValue(), at);
            }
            drive(deviceId, true);
        } else if (CommandStatus.FAILED.name().equals(status)
                && command.hasNonNull("reportedAt")
                && open.containsKey(deviceId)) {
            drive(deviceId, true);
        }
    }

    /**
     * A telemetry record of a family that maps sensor types to twin components: a mapped reading is the device's
     * reported value. A value this instance recorded recently is not looked up again, so a device repeating its state
     * costs no MongoDB round trip.
     *
     * @param components sensor type -> twin component, from the record's family
     */
    void onReportingTelemetry(String deviceId, Map<String, String> components, byte[] record) {
        if (deviceId == null || record == null) {
            return;
        }
        String component = null;
        Double value = null;
        String timestamp = null;
        // Read as tokens, and given up at the sensor type when it is not mapped: records of a mapped family that are
        // not twin state (most of them) cost a few tokens, not a tree.
        try (JsonParser parser = json.getFactory().createParser(record)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken token = parser.nextToken();
                switch (field) {
                    case "sensorType" -> {
                        component = token == JsonToken.VALUE_STRING ? components.get(parser.getText()) : null;
                        if (component == null) {
                            return;
                        }
                    }
                    case "value" -> value = token.isNumeric() ? parser.getDoubleValue() : null;
                    case "timestamp" -> timestamp = token == JsonToken.VALUE_STRING ? parser.getText() : null;
                    default -> parser.skipChildren();
                }
            }
        } catch (IOException e) {
            return;
        }
        if (component == null || value == null) {
            return;
        }
        Recent recent = recentReports.get(recentKey(deviceId, component));
        if (recent != null
                && TwinState.same(recent.value(), value)
                && clock.instant().isBefore(recent.at().plus(REPORT_RECHECK))) {
            return;
        }
        report(deviceId, component, value, instant(timestamp));
    }

    /** A telemetry record of {@code deviceId}: the device is online, so an open delta may be commanded again. */
    void onTelemetry(String deviceId) {
        Instant due = deviceId == null ? null : open.get(deviceId);
        if (due != null && !clock.instant().isBefore(due)) {
            drive(deviceId, true);
        }
    }

    /**
     * Refreshes which devices have a delta (other replicas change twins too), settles attempts whose report this
     * instance missed, and publishes twins whose latest version may not have reached Kafka.
     */
    void sweep() {
        Instant now = clock.instant();
        Map<String, Instant> stored = store.open();
        open.keySet().retainAll(stored.keySet());
        stored.forEach(open::putIfAbsent);
        stored.keySet().stream().limit(100).forEach(deviceId -> drive(deviceId, false));
        store.unpublished(now.minus(Duration.ofSeconds(2))).forEach(this::publishLater);
    }

    /** Devices with a delta known to this instance (diagnostics and tests). */
    boolean isOpen(String deviceId) {
        return open.containsKey(deviceId);
    }

    private void report(String deviceId, String component, double value, Instant at) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Instant now = clock.instant();
            TwinState current = read(deviceId);
            TwinState next = current.withReported(component, value, at == null ? now : at);
            if (next == current) {
                recentReports.put(recentKey(deviceId, component), new Recent(value, now));
                return;
            }
            Optional<TwinState> written = store.write(current, next, now);
            if (written.isPresent()) {
                recentReports.put(recentKey(deviceId, component), new Recent(value, now));
                changed(current, written.get(), now);
                return;
            }
        }
        LOG.warn(
                "twin of {} changed too often to record its report of {}; the next sweep settles it",
                deviceId,
                component);
    }

    /**
     * Brings a twin closer to its desired state: settles attempts whose command was acknowledged, and (if the device
     * is known to be online) sends a command for each open component that has none pending and whose back-off passed.
     * The attempt is written before the command is sent, conditionally, so two callers never both send.
     */
    private void drive(String deviceId, boolean seen) {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Instant now = clock.instant();
            Optional<TwinState> found = store.find(deviceId);
            if (found.isEmpty()) {
                open.remove(deviceId);
                return;
            }
            TwinState current = found.get();
            TwinState next = current;
            Map<String, TwinState.Attempt> toSend = new LinkedHashMap<>();
            for (Map.Entry<String, Double> delta : current.delta().entrySet()) {
                String component = delta.getKey();
                TwinState.Attempt last = current.attempts().get(component);
                if (last != null && last.commandId() != null) {
                    Optional<Command> command = commands.find(last.commandId());
                    if (command.isPresent() && command.get().status() == CommandStatus.PENDING) {
                        continue;
                    }
                    if (command.isPresent() && command.get().status() == CommandStatus.ACKED) {
                        Double reported = reportedValue(command.get());
                        if (reported != null) {
                            Instant at = command.get().reportedAt();
                            next = next.withReported(component, reported, at == null ? now : at);
                            if (TwinState.same(reported, delta.getValue())) {
                                continue;
                            }
                        }
                    }
                    if (last.notBefore() != null && now.isBefore(last.notBefore())) {
                        continue;
                    }
                }
                if (!seen) {
                    continue;
                }
                int count = last == null ? 1 : last.count() + 1;
                TwinState.Attempt attempt = new TwinState.Attempt(
                        "twin-" + UUID.randomUUID(),
                        delta.getValue(),
                        count,
                        now,
                        now.plus(TwinState.backoff(count, properties.retryBackoff(), properties.retryBackoffMax())));
                next = next.withAttempt(component, attempt);
                toSend.put(component, attempt);
            }
            if (next == current) {
                if (seen) {
                    // nothing to send now: the next telemetry is worth a look only after a while
                    throttle(current, now);
                }
                return;
            }
            Optional<TwinState> written = store.write(current, next, now);
            if (written.isPresent()) {
                changed(current, written.get(), now);
                toSend.forEach((component, attempt) -> send(deviceId, component, attempt));
                return;
            }
        }
    }

    private void send(String deviceId, String component, TwinState.Attempt attempt) {
        ObjectNode body = JsonNodeFactory.instance
                .objectNode()
                .put("commandId", attempt.commandId())
                .put("command", properties.commandFor(component))
                .put("value", attempt.value());
        try {
            commands.submit(deviceId, component, body.toString().getBytes(StandardCharsets.UTF_8), "twin");
        } catch (RuntimeException e) {
            // The attempt stays recorded: the device gets the command again when next seen after the back-off.
            LOG.warn(
                    "twin command {} for {}/{} not sent: {}", attempt.commandId(), deviceId, component, e.getMessage());
        }
    }

    private void changed(TwinState before, TwinState after, Instant now) {
        track(after, now);
        if (after.version() != before.version()) {
            publishLater(after.deviceId());
        }
    }

    private void track(TwinState twin, Instant now) {
        if (twin.isOpen()) {
            open.put(twin.deviceId(), twin.nextAttemptAt(now).orElse(now));
        } else {
            open.remove(twin.deviceId());
        }
    }

    private void throttle(TwinState twin, Instant now) {
        if (twin.isOpen()) {
            Instant next = twin.nextAttemptAt(now).orElse(now);
            Instant soonest = now.plus(CHECK_INTERVAL);
            open.put(twin.deviceId(), next.isAfter(soonest) ? next : soonest);
        } else {
            open.remove(twin.deviceId());
        }
    }

    private void publishLater(String deviceId) {
        try {
            publishers[Math.floorMod(deviceId.hashCode(), PUBLISH_LANES)].execute(() -> publish(deviceId));
        } catch (RejectedExecutionException e) {
            // stopping: the twin stays marked unpublished, and the next start's sweep sends it
        }
    }

    /** Sends the twin as it is now (not as it was when the change was made), so a lane never publishes a stale one. */
    private void publish(String deviceId) {
        try {
            Optional<TwinState> twin = store.find(deviceId);
            if (twin.isEmpty()) {
                return;
            }
            byte[] body = json.writeValueAsBytes(Twin.of(twin.get()));
            Exchange sent = producer.send(PUBLISH_ENDPOINT, exchange -> {
                exchange.getMessage().setHeader(KafkaConstants.KEY, deviceId);
                exchange.getMessage().setBody(body);
            });
            if (sent.getException() != null) {
                LOG.warn(
                        "twin of {} not published yet: {}",
                        deviceId,
                        sent.getException().getMessage());
                return;
            }
            @SuppressWarnings("unchecked")
            List<RecordMetadata> metadata = sent.getMessage().getHeader(KafkaConstants.KAFKA_RECORD_META, List.class);
            long offset = metadata == null || metadata.isEmpty()
                    ? -1
                    : metadata.get(0).offset();
            store.published(deviceId, twin.get().version(), offset);
        } catch (JsonProcessingException | RuntimeException e) {
            LOG.warn("twin of {} not published yet: {}", deviceId, e.getMessage());
        }
    }

    private TwinState read(String deviceId) {
        return store.find(deviceId).orElseGet(() -> TwinState.empty(deviceId));
    }

    private static Double reportedValue(Command command) {
        Object value = command.state() == null ? null : command.state().get("value");
        return value instanceof Number number ? number.doubleValue() : null;
    }

    private static Instant instant(String text) {
        try {
            return text == null ? null : Instant.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void destroy() {
        for (ExecutorService publisher : publishers) {
            publisher.shutdownNow();
        }
    }

    private static String recentKey(String deviceId, String component) {
        return deviceId + '\n' + component;
    }

    private record Recent(double value, Instant at) {}

    /** The twin is not at the version the caller named (412). */
    static final class VersionConflictException extends RuntimeException {
        private final long current;

        VersionConflictException(long current) {
            super("the twin is at version " + current);
            this.current = current;
        }

        long current() {
            return current;
        }
    }
}
