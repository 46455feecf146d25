package io.iotgateway.analytics;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.SessionWindows;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.SessionStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The analytics as a Kafka Streams topology over the canonical telemetry topic:
 *
 * <ul>
 *   <li>per device, tumbling event-time windows of every sensor type; each window, once closed (its end plus the
 *       allowed lateness has passed in stream time), is emitted once per sensor type to the sensor topic;
 *   <li>the same per place ({@code metadata.placeId}), after repartitioning by place;
 *   <li>per device of the session family, session windows that close after the idle timeout: {@code started} on a
 *       session's first reading, {@code ended} with the figures when it closes.
 * </ul>
 *
 * Records are keyed by device id on the telemetry topic (the ingest contract), so per-device work needs no
 * repartition. All stores are in memory, restored from their changelog topics after a restart.
 */
final class AnalyticsTopology {

    private AnalyticsTopology() {}

    static Topology build(AnalyticsProperties properties, String telemetryTopic, ObjectMapper json, Counter skipped) {
        Serde<String> keys = Serdes.String();
        Deserializer<Reading> canonical = (topic, bytes) -> Reading.parse(json, bytes);
        Serde<Reading> readingsOnTheWire = JsonSerde.of(json, Reading.class);
        Serde<Reading> canonicalIn = Serdes.serdeFrom(readingsOnTheWire.serializer(), canonical);
        Serde<SensorStats> stats = SensorStatsSerde.of(json);
        Serde<WindowAggregate> aggregates = JsonSerde.of(json, WindowAggregate.class);
        Serde<SessionEvent> sessionEvents = JsonSerde.of(json, SessionEvent.class);

        StreamsBuilder builder = new StreamsBuilder();
        KStream<String, Reading> readings = builder.stream(
                telemetryTopic,
                Consumed.with(keys, canonicalIn)
                        .withTimestampExtractor(new EventTimeExtractor(skipped))
                        .withName("analytics-read-telemetry"));

        TimeWindows windows = TimeWindows.ofSizeAndGrace(properties.window(), properties.allowedLateness());

        windowed(
                        readings.groupByKey(Grouped.with("analytics-by-device", keys, readingsOnTheWire)),
                        windows,
                        "analytics-sensor",
                        stats)
                .flatMap(
                        (window, closed) -> perSensor(WindowAggregate.SENSOR, window, closed),
                        Named.as("analytics-sensor-per-type"))
                .to(properties.sensorTopic(), Produced.with(keys, aggregates).withName("analytics-write-sensor"));

        windowed(
                        readings.filter((device, reading) -> reading.placeId() != null, Named.as("analytics-has-place"))
                                .groupBy(
                                        (device, reading) -> reading.placeId(),
                                        Grouped.with("analytics-by-place", keys, readingsOnTheWire)),
                        windows,
                        "analytics-place",
                        stats)
                .flatMap(
                        (window, closed) -> perSensor(WindowAggregate.PLACE, window, closed),
                        Named.as("analytics-place-per-type"))
                .to(properties.placeTopic(), Produced.with(keys, aggregates).withName("analytics-write-place"));

        KTable<Windowed<String>, SensorStats> sessions = readings.filter(
                        (device, reading) -> properties.sessionFamily().equals(reading.family()),
                        Named.as("analytics-session-family"))
                .groupByKey(Grouped.with("analytics-by-session-device", keys, readingsOnTheWire))
                .windowedBy(
                        SessionWindows.ofInactivityGapAndGrace(properties.sessionIdle(), properties.allowedLateness()))
                .aggregate(
                        SensorStats::new,
                        (device, reading, session) -> session.add(reading),
                        (device, one, two) -> SensorStats.merge(one, two),
                        Named.as("analytics-session-aggregate"),
                        Materialized.<String, SensorStats, SessionStore<Bytes, byte[]>>as("analytics-sessions")
                                .withStoreType(Materialized.StoreType.IN_MEMORY)
                                .withKeySerde(keys)
                                .withValueSerde(stats)
                                // every update must reach the "started" check below, not only the latest per commit
                                .withCachingDisabled());
        sessions.toStream(Named.as("analytics-session-updates"))
                .filter((session, running) -> running != null && running.count == 1, Named.as("analytics-new-session"))
                .map(
                        (session, running) -> KeyValue.pair(
                                session.key(),
                                SessionEvent.started(
                                        session.key(), session.window().startTime(), running)),
                        Named.as("analytics-session-started"))
                .to(
                        properties.sessionTopic(),
                        Produced.with(keys, sessionEvents).withName("analytics-write-session-started"));
        sessions.suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                        .withName("analytics-sessions-closed"))
                .toStream(Named.as("analytics-session-closed"))
                .filter((session, closed) -> closed != null, Named.as("analytics-session-has-figures"))
                .map(
                        (session, closed) -> KeyValue.pair(
                                session.key(),
                                SessionEvent.ended(
                                        session.key(),
                                        session.window().startTime(),
                                        session.window().endTime(),
                                        closed)),
                        Named.as("analytics-session-ended"))
                .to(
                        properties.sessionTopic(),
                        Produced.with(keys, sessionEvents).withName("analytics-write-session-ended"));

        return builder.build();
    }

    /** Each key's tumbling windows, emitted once when closed. */
    private static KStream<Windowed<String>, SensorStats> windowed(
            KGroupedStream<String, Reading> grouped, TimeWindows windows, String name, Serde<SensorStats> stats) {
        return grouped.windowedBy(windows)
                .aggregate(
                        SensorStats::new,
                        (key, reading, window) -> window.add(reading),
                        Named.as(name + "-aggregate"),
                        Materialized.<String, SensorStats, WindowStore<Bytes, byte[]>>as(name + "-windows")
                                .withStoreType(Materialized.StoreType.IN_MEMORY)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(stats))
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                        .withName(name + "-closed"))
                .toStream(Named.as(name + "-closed-windows"))
                .filter((window, closed) -> closed != null, Named.as(name + "-has-figures"));
    }

    private static List<KeyValue<String, WindowAggregate>> perSensor(
            String kind, Windowed<String> window, SensorStats closed) {
        List<KeyValue<String, WindowAggregate>> out = new ArrayList<>(closed.sensors.size());
        closed.sensors.forEach((sensorType, sensor) -> out.add(KeyValue.pair(
                window.key(),
                WindowAggregate.of(
                        kind,
                        window.key(),
                        sensorType,
                        window.window().startTime(),
                        window.window().endTime(),
                        Objects.requireNonNull(sensor)))));
        return out;
    }
}
