package io.iotgateway.analytics;

import java.util.Map;
import java.util.TreeMap;

/** The stats of one key (a device, a place, a workout session) per sensor type. */
final class SensorStats {

    public long count;
    public Map<String, Stats> sensors = new TreeMap<>();

    SensorStats add(Reading reading) {
        count++;
        sensors.computeIfAbsent(reading.sensorType(), type -> new Stats())
                .add(reading.value(), reading.timestamp().toEpochMilli());
        return this;
    }

    /** Two sessions joined by a record that fell in the gap between them. */
    static SensorStats merge(SensorStats a, SensorStats b) {
        SensorStats merged = new SensorStats();
        merged.count = a.count + b.count;
        merged.sensors.putAll(a.sensors);
        b.sensors.forEach((type, stats) -> merged.sensors.merge(type, stats, Stats::merge));
        return merged;
    }
}
