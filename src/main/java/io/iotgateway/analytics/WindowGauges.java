package io.iotgateway.analytics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;

/**
 * The latest closed window of each place (or device) and sensor type as Prometheus gauges, for Grafana (seed 001
 * plots them): {@code gateway_aggregate_place_avg|min|max|samples{place, sensor_type}}, and with the per-device opt-in
 * ({@code GATEWAY_METRICS_DEVICE_LABEL=true}, small fleets only) {@code gateway_aggregate_sensor_*{device,
 * sensor_type}}. Places are few; devices can be many, so their windows are otherwise only in MongoDB and Kafka.
 */
final class WindowGauges {

    private static final String[] STATISTICS = {"avg", "min", "max", "count"};

    private final MeterRegistry meters;
    private final boolean perDevice;
    private final Map<String, AtomicReference<Double>> values = new ConcurrentHashMap<>();

    WindowGauges(MeterRegistry meters, boolean perDevice) {
        this.meters = meters;
        this.perDevice = perDevice;
    }

    /** A stored window document (kind, placeId or deviceId, sensorType and the statistics). */
    void record(Document window) {
        String sensorType = window.getString("sensorType");
        if (WindowAggregate.PLACE.equals(window.get("kind")) && window.get("placeId") instanceof String place) {
            record("place", "place", place, sensorType, window);
        } else if (perDevice
                && WindowAggregate.SENSOR.equals(window.get("kind"))
                && window.get("deviceId") instanceof String device) {
            record("sensor", "device", device, sensorType, window);
        }
    }

    private void record(String kind, String label, String id, String sensorType, Document window) {
        for (String statistic : STATISTICS) {
            if (window.get(statistic) instanceof Number number) {
                gauge(kind, label, id, sensorType, statistic).set(number.doubleValue());
            }
        }
    }

    private AtomicReference<Double> gauge(String kind, String label, String id, String sensorType, String statistic) {
        return values.computeIfAbsent(String.join("\n", kind, id, sensorType, statistic), key -> {
            AtomicReference<Double> value = new AtomicReference<>(Double.NaN);
            String name = statistic.equals("count") ? "samples" : statistic;
            Gauge.builder("gateway.aggregate." + kind + "." + name, value, AtomicReference::get)
                    .description("Latest closed window per " + label + " and sensor type: " + name)
                    .tag(label, id)
                    .tag("sensor_type", sensorType)
                    .register(meters);
            return value;
        });
    }
}
