package io.iotgateway.sparkplug;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.PropertySet;
import org.eclipse.tahu.message.model.PropertyValue;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/** Sparkplug B payloads in and out, with Eclipse Tahu's payload model. */
final class SparkplugCodec {

    /** The property Sparkplug B tools (Ignition, Tahu's examples) give a metric's engineering unit in. */
    static final String UNIT_PROPERTY = "engUnit";

    static final String REBIRTH = "Node Control/Rebirth";

    /** @throws MessageRejectedException {@code not-protobuf} when the bytes are not a Sparkplug B payload */
    SparkplugPayload decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new MessageRejectedException(RejectReason.NOT_PROTOBUF, "payload is empty");
        }
        SparkplugBPayload payload;
        try {
            payload = new SparkplugBPayloadDecoder().buildFromByteArray(bytes, null);
        } catch (Exception e) {
            throw new MessageRejectedException(
                    RejectReason.NOT_PROTOBUF, "payload is not a Sparkplug B payload: " + e.getMessage());
        }
        List<SparkplugPayload.Metric> metrics = new ArrayList<>(payload.getMetricCount());
        for (Metric metric : payload.getMetrics()) {
            if (metric == null) {
                // Tahu leaves out a metric whose data type it cannot tell (none given, none known)
                throw new MessageRejectedException(
                        RejectReason.NOT_PROTOBUF, "payload is not a Sparkplug B payload: a metric has no data type");
            }
            metrics.add(new SparkplugPayload.Metric(
                    metric.getName(),
                    metric.getAlias(),
                    metric.getTimestamp() == null ? null : metric.getTimestamp().getTime(),
                    metric.getDataType() == null ? null : metric.getDataType().toString(),
                    number(metric.getValue()),
                    unit(metric.getProperties())));
        }
        return new SparkplugPayload(
                payload.getTimestamp() == null ? null : payload.getTimestamp().getTime(), payload.getSeq(), metrics);
    }

    /** The NCMD payload that asks an edge node to publish its births again. */
    byte[] rebirthRequest(long now) {
        try {
            SparkplugBPayload payload = new SparkplugBPayload.SparkplugBPayloadBuilder()
                    .setTimestamp(new Date(now))
                    .addMetric(new Metric.MetricBuilder(REBIRTH, MetricDataType.Boolean, true).createMetric())
                    .createPayload();
            return new SparkplugBPayloadEncoder().getBytes(payload, false);
        } catch (Exception e) {
            throw new IllegalStateException("cannot encode a rebirth request", e);
        }
    }

    /** Numbers as doubles, booleans as 1 and 0; null for what is not a number (strings, data sets, nulls). */
    private static Double number(Object value) {
        if (value instanceof Boolean bool) {
            return bool ? 1.0 : 0.0;
        }
        if (value instanceof BigInteger big) {
            return big.doubleValue();
        }
        if (value instanceof Number number) {
            double d = number.doubleValue();
            return Double.isFinite(d) ? d : null;
        }
        return null;
    }

    private static String unit(PropertySet properties) {
        if (properties == null) {
            return null;
        }
        PropertyValue<?> unit = properties.getPropertyValue(UNIT_PROPERTY);
        return unit == null || unit.getValue() == null ? null : unit.getValue().toString();
    }
}
