package io.iotgateway.support;

import java.util.Date;
import java.util.List;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.PropertyDataType;
import org.eclipse.tahu.message.model.PropertySet;
import org.eclipse.tahu.message.model.PropertyValue;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/** Sparkplug B payloads as test edge nodes send them, built with Eclipse Tahu's model. */
public final class SparkplugPayloads {

    private SparkplugPayloads() {}

    /** A payload stamped now; {@code seq} null for a death, which carries none. */
    public static SparkplugBPayload payload(Long seq, Metric... metrics) {
        SparkplugBPayload.SparkplugBPayloadBuilder builder =
                new SparkplugBPayload.SparkplugBPayloadBuilder().setTimestamp(new Date());
        if (seq != null) {
            builder.setSeq(seq);
        }
        return builder.addMetrics(List.of(metrics)).createPayload();
    }

    /** @param name null for a metric sent by alias only */
    public static Metric metric(String name, Long alias, MetricDataType type, Object value) {
        try {
            return new Metric.MetricBuilder(name, type, value).alias(alias).createMetric();
        } catch (Exception e) {
            throw new IllegalArgumentException("not a " + type + " value: " + value, e);
        }
    }

    /** The metric with its engineering unit ({@code engUnit}), as a birth announces it. */
    public static Metric withUnit(Metric metric, String unit) {
        try {
            metric.setProperties(new PropertySet.PropertySetBuilder()
                    .addProperty("engUnit", new PropertyValue<>(PropertyDataType.String, unit))
                    .createPropertySet());
        } catch (Exception e) {
            throw new IllegalArgumentException("not a unit: " + unit, e);
        }
        return metric;
    }
}
