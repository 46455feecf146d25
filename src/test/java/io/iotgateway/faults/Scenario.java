package io.iotgateway.faults;

import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import io.iotgateway.support.DeliveryRecorder;
import io.iotgateway.support.DeviceFleet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;
import org.bson.Document;

/**
 * One fault scenario: a counted QoS 1 stream from many devices (every {@value #INVALID_EVERY}th message invalid, so
 * the dead-letter path is under the fault too), the fault injected mid-stream and repaired, then the accounting: every
 * message the broker acknowledged to a device must be in Kafka (or the dead-letter topic), in order per device, and
 * every valid one exactly once in MongoDB.
 */
final class Scenario {

    static final int DEVICES = Integer.getInteger("faults.devices", 20);
    static final int RATE_PER_DEVICE = Integer.getInteger("faults.ratePerDevice", 10);
    static final int INVALID_EVERY = 25;
    /** Load before the fault and after the repair. */
    static final Duration STEADY = Duration.ofSeconds(5);
    /** Devices that publish a backlog phase, besides the {@link #DEVICES} of the steady load. */
    static final int BACKLOG_DEVICES = 20;

    private static final Duration SETTLE = Duration.ofMinutes(3);
    private static final Pattern DEAD_LETTER = Pattern.compile("\"value\":(\\d+),.*\"sentNanos\":(\\d+)");

    /** A step of the fault: injecting it or repairing it. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    /**
     * What one scenario measured. Recovery: from the repair (or restart) until every message acknowledged to a device
     * before it is in Kafka, and until the valid ones are in MongoDB too; null when that did not happen in time.
     */
    record Outcome(
            String scenario,
            String fault,
            Duration faultLength,
            long acknowledged,
            long deviceFailures,
            long deadLettered,
            long lostInKafka,
            long duplicatedInKafka,
            long lostInMongo,
            long duplicatedInMongo,
            long outOfOrder,
            Duration recoveryKafka,
            Duration recoveryMongo,
            String measured) {}

    private record Recovery(Duration kafka, Duration mongo) {}

    private final FaultBench bench;
    private final String prefix;
    private final DeliveryRecorder telemetry = new DeliveryRecorder();
    private final DeliveryRecorder deadLetters = new DeliveryRecorder();
    private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
    private final List<String> measured = new CopyOnWriteArrayList<>();
    /**
     * Device time (seconds) of the next scenario's message 0. A device's message n is n seconds after its scenario's
     * start in device time, ten times faster than the clock, so each scenario starts where the previous one's readings
     * end: otherwise the stream analytics would find them behind their windows and drop them as late. Six hours back
     * keeps every reading of a run in the past.
     */
    private static final AtomicLong NEXT_EPOCH = new AtomicLong(System.currentTimeMillis() / 1000 - 6 * 3600);

    private volatile long epochSeconds;

    private int backlog;
    private Duration firstRecordWithin;
    /** The first record written after the repair began (0: none yet), and partition 0's longest pause. */
    private volatile long repairStartedMillis;

    private final AtomicLong firstAfterRepairNanos = new AtomicLong();
    private final AtomicLong lastPartition0Nanos = new AtomicLong();
    private final AtomicLong longestPartition0PauseNanos = new AtomicLong();

    Scenario(FaultBench bench, String name) {
        this.bench = bench;
        this.prefix = name + "-" + UUID.randomUUID().toString().substring(0, 6) + "-d";
    }

    /**
     * A backlog phase: once the fault is in place, {@value #BACKLOG_DEVICES} more devices publish {@code messages} in
     * all as fast as the broker takes them, and the fault is held until the broker has acknowledged every one of them.
     */
    Scenario backlog(int messages) {
        this.backlog = messages;
        return this;
    }

    /** The first record must reach Kafka within {@code bound} of the repair (a start command): a bounded wait. */
    Scenario firstRecordWithin(Duration bound) {
        this.firstRecordWithin = bound;
        return this;
    }

    /** A figure of this scenario for the report (e.g. how long a stop took). */
    void measured(String figure) {
        measured.add(figure);
    }

    /** {@code outcome} with every figure measured so far, including those measured after it was counted. */
    Outcome withMeasured(Outcome outcome) {
        return new Outcome(
                outcome.scenario(),
                outcome.fault(),
                outcome.faultLength(),
                outcome.acknowledged(),
                outcome.deviceFailures(),
                outcome.deadLettered(),
                outcome.lostInKafka(),
                outcome.duplicatedInKafka(),
                outcome.lostInMongo(),
                outcome.duplicatedInMongo(),
                outcome.outOfOrder(),
                outcome.recoveryKafka(),
                outcome.recoveryMongo(),
                String.join("; ", measured));
    }

    String prefix() {
        return prefix;
    }

    /**
     * A telemetry record of this scenario arrived; {@code createdMillis} is its Kafka timestamp (set by the gateway's
     * producer), which tells records written after the repair from older ones that were still on their way.
     */
    void telemetry(int partition, long offset, long createdMillis, String deviceId, int sequence, long sentNanos) {
        long now = System.nanoTime();
        long repairMillis = repairStartedMillis;
        if (repairMillis != 0 && createdMillis >= repairMillis) {
            firstAfterRepairNanos.compareAndSet(0, now);
        }
        if (partition == 0) {
            long last = lastPartition0Nanos.getAndSet(now);
            if (last != 0) {
                longestPartition0PauseNanos.accumulateAndGet(now - last, Math::max);
            }
        }
        telemetry.record(
                device(deviceId), sequence, sentNanos, "at " + partition + "@" + offset + " written " + createdMillis);
    }

    /** The longest time between two of this scenario's records arriving in partition 0 of the telemetry topic. */
    Duration longestPartition0Pause() {
        return Duration.ofNanos(longestPartition0PauseNanos.get());
    }

    void deadLetter(String deviceId, String body) {
        Matcher m = DEAD_LETTER.matcher(body);
        if (m.find()) {
            deadLetters.record(device(deviceId), Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
        }
    }

    /**
     * Runs the load, injects the fault after {@link #STEADY}, keeps it for {@code length}, repairs it, lets the load
     * run on for {@code afterRepair}, and counts.
     */
    Outcome run(String fault, Duration length, Duration afterRepair, Step inject, Step repair) throws Exception {
        bench.watch(this);
        int perDevice = (int) (RATE_PER_DEVICE * (STEADY.toSeconds() + length.toSeconds() + afterRepair.toSeconds()));
        long sent = (long) perDevice * DEVICES;
        int backlogPerDevice = (backlog + BACKLOG_DEVICES - 1) / BACKLOG_DEVICES;
        epochSeconds = NEXT_EPOCH.getAndAdd(Math.max(perDevice, backlogPerDevice) + 1L);
        try (DeviceFleet fleet = fleet(0, DEVICES, prefix);
                DeviceFleet backlogFleet = backlog > 0 ? fleet(DEVICES, BACKLOG_DEVICES, prefix + "-backlog") : null) {
            CompletableFuture<Long> load = CompletableFuture.supplyAsync(() -> {
                try {
                    return fleet.publish(perDevice, RATE_PER_DEVICE * DEVICES);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long steady = STEADY.toSeconds() * RATE_PER_DEVICE * DEVICES;
            await().atMost(Duration.ofMinutes(1)).until(() -> acknowledged.size() >= steady);

            log("injecting " + fault);
            inject.run();
            if (backlogFleet != null) {
                long published = System.nanoTime();
                backlogFleet.publish(backlogPerDevice, 0);
                sent += (long) backlogPerDevice * BACKLOG_DEVICES;
                measured(String.format(
                        Locale.ROOT,
                        "backlog of %d published in %.1f s",
                        backlogPerDevice * BACKLOG_DEVICES,
                        (System.nanoTime() - published) / 1e9));
            }
            FaultBench.hold(length);
            long repairedAt = System.nanoTime();
            repairStartedMillis = System.currentTimeMillis();
            Set<Long> owed = new HashSet<>(acknowledged);
            repair.run();
            log("repaired; " + owed.size() + " messages acknowledged so far");
            if (firstRecordWithin != null) {
                await().atMost(firstRecordWithin)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> firstAfterRepairNanos.get() != 0);
            }
            Recovery recovery = awaitDelivered(owed, repairedAt);
            log("recovered: " + recovery);

            try {
                load.get(SETTLE.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(
                        "the devices did not finish publishing: " + fleet.connected() + " of " + DEVICES
                                + " connected, " + acknowledged.size() + " of " + sent + " acknowledged",
                        e);
            }
            long failed = fleet.failed() + (backlogFleet == null ? 0 : backlogFleet.failed());
            log("load done; " + acknowledged.size() + " acknowledged, " + failed + " failed at the device");
            long expected = sent - failed;
            await().atMost(Duration.ofMinutes(1)).until(() -> acknowledged.size() >= expected);
            awaitDelivered(new HashSet<>(acknowledged), System.nanoTime());
            log("all delivered");
            // Read only now: when nothing was owed (a broker restart), the first new record may come after the
            // recovery.
            long first = firstAfterRepairNanos.get();
            if (first != 0) {
                measured(String.format(
                        Locale.ROOT, "first record written %.1f s after the repair", (first - repairedAt) / 1e9));
            }
            // Late duplicates (a redelivery still on its way) count too: wait until nothing more arrives.
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofMinutes(1))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> last.getAndSet(telemetry.received() + deadLetters.received())
                            == telemetry.received() + deadLetters.received());
            return count(fault, length, failed, recovery);
        } finally {
            bench.watch(null);
        }
    }

    /** Devices {@code first} to {@code first + count - 1} of this scenario, each on a connection of its own. */
    private DeviceFleet fleet(int first, int count, String clientPrefix) throws Exception {
        return new DeviceFleet(
                bench.mqttUrl(),
                count,
                clientPrefix,
                device -> "devices/" + prefix + (first + device) + "/telemetry",
                DeviceFleet.Options.benchmark()
                        .survivingBrokerRestarts()
                        .payloads(this::payload)
                        .acknowledgements((device, sequence) -> acknowledged.add(key(first + device, sequence))));
    }

    /** Waits (bounded) until all of {@code messages} are in Kafka, then the valid ones in MongoDB; null if not. */
    private Recovery awaitDelivered(Set<Long> messages, long since) {
        Duration kafka = null;
        Duration mongo = null;
        try {
            await().atMost(SETTLE).pollInterval(Duration.ofMillis(200)).until(() -> missingInKafka(messages) == 0);
            kafka = Duration.ofNanos(System.nanoTime() - since);
            await().atMost(SETTLE)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> missingInMongo(messages, mongoCounts()) == 0);
            mongo = Duration.ofNanos(System.nanoTime() - since);
        } catch (ConditionTimeoutException e) {
            // what is still missing is counted as lost
        }
        return new Recovery(kafka, mongo);
    }

    private void log(String event) {
        System.out.println(Instant.now() + " fault scenario " + prefix + ": " + event);
    }

    private Outcome count(String fault, Duration length, long deviceFailures, Recovery recovery) {
        Set<Long> all = new HashSet<>(acknowledged);
        Map<Long, Integer> stored = mongoCounts();
        long duplicatedInMongo = stored.values().stream().mapToLong(n -> n - 1L).sum();
        telemetry.outOfOrderSamples().forEach(sample -> measured("out of order: " + sample));
        Outcome outcome = new Outcome(
                prefix.substring(0, prefix.indexOf('-')),
                fault,
                length,
                all.size(),
                deviceFailures,
                deadLetters.distinct(),
                missingInKafka(all),
                telemetry.duplicated() + deadLetters.duplicated(),
                missingInMongo(all, stored),
                duplicatedInMongo,
                telemetry.outOfOrder(),
                recovery.kafka(),
                recovery.mongo(),
                String.join("; ", measured));
        bench.sensorData().deleteMany(Filters.regex("deviceId", "^" + Pattern.quote(prefix)));
        return outcome;
    }

    private long missingInKafka(Set<Long> messages) {
        return messages.stream()
                .filter(k -> {
                    int device = (int) (k >>> 32);
                    int sequence = (int) (long) k;
                    return !telemetry.contains(device, sequence) && !deadLetters.contains(device, sequence);
                })
                .count();
    }

    private static long missingInMongo(Set<Long> messages, Map<Long, Integer> stored) {
        return messages.stream()
                .filter(k -> valid((int) (long) k) && !stored.containsKey(k))
                .count();
    }

    /** Documents per message (device and sequence number) in MongoDB. */
    private Map<Long, Integer> mongoCounts() {
        Map<Long, Integer> counts = new HashMap<>();
        for (Document document : bench.sensorData()
                .find(Filters.regex("deviceId", "^" + Pattern.quote(prefix)))
                .projection(Projections.include("deviceId", "value"))) {
            long key = key(device(document.getString("deviceId")), ((Number) document.get("value")).intValue());
            counts.merge(key, 1, Integer::sum);
        }
        return counts;
    }

    private int device(String deviceId) {
        return Integer.parseInt(deviceId.substring(prefix.length()));
    }

    private static long key(int device, int sequence) {
        return ((long) device << 32) | sequence;
    }

    private static boolean valid(int sequence) {
        return sequence % INVALID_EVERY != INVALID_EVERY - 1;
    }

    /**
     * A reading whose value is its sequence number; the device timestamp makes its message id stable across
     * redeliveries. An invalid one is cut short (not JSON) and must end in the dead-letter topic.
     */
    private byte[] payload(int device, int sequence) {
        String json = "{\"sensorType\":\"seq\",\"value\":" + sequence + ",\"timestamp\":" + (epochSeconds + sequence)
                + ",\"sentNanos\":" + System.nanoTime();
        return (valid(sequence) ? json + "}" : json).getBytes(StandardCharsets.UTF_8);
    }
}
