package io.iotgateway.analytics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;

/**
 * The latest closed window of each place and sensor type as Prometheus gauges, for Grafana (seed 001 plots them):
 * {@code gateway_aggregate_place_avg|min|max|samples{place, sensor_type}}. Per place only: places are few, devices
 * many, and device windows are in MongoDB and Kafka for anyone who needs them.
 */
final class PlaceGauges {

    private static final String[] STATISTICS = {"avg", "min", "max", "count"};

    private final MeterRegistry meters;
    private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

    PlaceGauges(MeterRegistry meters) {
        this.meters = meters;
    }

    void record(String place, String sensorType, Document window) {
        for (String statistic : STATISTICS) {
            Object value = window.get(statistic);
            if (value instanceof Number number) {
                gauge(place, sensorType, statistic).set(number.doubleValue());
            }
        }
    }

    private AtomicReference<Double> gauge(String place, String sensorType, String statistic) {
        return values.computeIfAbsent(place + '\n' + sensorType + '\n' + statistic, key -> {
            AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
            String name = statistic.equals("count") ? "samples" : statistic;
            Gauge.builder("gateway.aggregate.place." + name, value, AtomicReference::get)
                    .description("Latest closed window per place and sensor type: " + name)
                    .tag("place", place)
                    .tag("sensor_type", sensorType)
                    .register(meters);
            return value;
        });
    }
}
