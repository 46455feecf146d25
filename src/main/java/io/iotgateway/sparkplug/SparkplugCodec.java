package io.iotgateway.sparkplug;

import com.google.protobuf.InvalidProtocolBufferException;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.eclipse.tahu.protobuf.SparkplugBProto;

/** Sparkplug B payloads in and out, with Eclipse Tahu's payload model. */
final class SparkplugCodec {

    /** The property Sparkplug B tools (Ignition, Tahu's examples) give a metric's engineering unit in. */
    static final String UNIT_PROPERTY = "engUnit";

    static final String REBIRTH = "Node Control/Rebirth";

    // Sparkplug B data type codes (the spec's DataType enum)
    private static final int INT8 = 1;
    private static final int INT16 = 2;
    private static final int UINT8 = 5;
    private static final int UINT16 = 6;
    private static final int UINT32 = 7;
    private static final int UINT64 = 8;
    private static final int DATE_TIME = 13;

    /**
     * Reads the payload with Tahu's generated Sparkplug B message rather than its model decoder: the model decoder
     * needs each metric's data type, which Sparkplug 3.0 tells DATA messages to leave out (the host knows it from the
     * birth). The value's own field says whether it is a number; the data type, when sent, only says how to read it
     * (unsigned, 8/16 bit).
     *
     * @throws MessageRejectedException {@code not-protobuf} when the bytes are not a Sparkplug B payload
     */
    SparkplugPayload decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new MessageRejectedException(RejectReason.NOT_PROTOBUF, "payload is empty");
        }
        SparkplugBProto.Payload payload;
        try {
            payload = SparkplugBProto.Payload.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new MessageRejectedException(
                    RejectReason.NOT_PROTOBUF, "payload is not a Sparkplug B payload: " + e.getMessage());
        }
        List<SparkplugPayload.Metric> metrics = new ArrayList<>(payload.getMetricsCount());
        for (SparkplugBProto.Payload.Metric metric : payload.getMetricsList()) {
            int type = metric.getDatatype();
            metrics.add(new SparkplugPayload.Metric(
                    metric.hasName() ? metric.getName() : null,
                    metric.hasAlias() ? metric.getAlias() : null,
                    metric.hasTimestamp() ? metric.getTimestamp() : null,
                    type == 0 ? null : MetricDataType.fromInteger(type).toString(),
                    metric.getIsNull() ? null : number(metric, type),
                    metric.hasProperties() ? unit(metric.getProperties()) : null));
        }
        return new SparkplugPayload(
                payload.hasTimestamp() ? payload.getTimestamp() : null,
                payload.hasSeq() ? payload.getSeq() : null,
                metrics);
    }

    /** Numbers as doubles, booleans as 1 and 0; null for what is not a number (strings, data sets, dates, bytes). */
    private static Double number(SparkplugBProto.Payload.Metric metric, int type) {
        return switch (metric.getValueCase()) {
            case INT_VALUE -> {
                int raw = metric.getIntValue();
                yield switch (type) {
                    case INT8 -> (double) (byte) raw;
                    case INT16 -> (double) (short) raw;
                    case UINT8, UINT16, UINT32 -> (double) Integer.toUnsignedLong(raw);
                    default -> (double) raw;
                };
            }
            case LONG_VALUE -> {
                long raw = metric.getLongValue();
                if (type == DATE_TIME) {
                    yield null;
                }
                yield type == UINT64 ? new BigInteger(Long.toUnsignedString(raw)).doubleValue() : (double) raw;
            }
            case FLOAT_VALUE -> finite(Double.parseDouble(Float.toString(metric.getFloatValue())));
            case DOUBLE_VALUE -> finite(metric.getDoubleValue());
            case BOOLEAN_VALUE -> metric.getBooleanValue() ? 1.0 : 0.0;
            default -> null;
        };
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static String unit(SparkplugBProto.Payload.PropertySet properties) {
        for (int i = 0; i < properties.getKeysCount() && i < properties.getValuesCount(); i++) {
            if (UNIT_PROPERTY.equals(properties.getKeys(i))) {
                SparkplugBProto.Payload.PropertyValue value = properties.getValues(i);
                return value.hasStringValue() && !value.getIsNull() ? value.getStringValue() : null;
            }
        }
        return null;
    }

    /** What a command's number may be for a metric of each data type a command can set; others take no number. */
    private static final Map<String, SparkplugHost.NumberRange> COMMAND_RANGES = Map.ofEntries(
            Map.entry("Boolean", new SparkplugHost.NumberRange(0, 1, true)),
            Map.entry("Int8", new SparkplugHost.NumberRange(Byte.MIN_VALUE, Byte.MAX_VALUE, true)),
            Map.entry("Int16", new SparkplugHost.NumberRange(Short.MIN_VALUE, Short.MAX_VALUE, true)),
            Map.entry("Int32", new SparkplugHost.NumberRange(Integer.MIN_VALUE, Integer.MAX_VALUE, true)),
            Map.entry("Int64", new SparkplugHost.NumberRange(Long.MIN_VALUE, Long.MAX_VALUE, true)),
            Map.entry("UInt8", new SparkplugHost.NumberRange(0, 0xFF, true)),
            Map.entry("UInt16", new SparkplugHost.NumberRange(0, 0xFFFF, true)),
            Map.entry("UInt32", new SparkplugHost.NumberRange(0, 0xFFFF_FFFFL, true)),
            // written through a long (command below)
            Map.entry("UInt64", new SparkplugHost.NumberRange(0, Long.MAX_VALUE, true)),
            Map.entry("Float", new SparkplugHost.NumberRange(-Float.MAX_VALUE, Float.MAX_VALUE, false)),
            Map.entry("Double", new SparkplugHost.NumberRange(-Double.MAX_VALUE, Double.MAX_VALUE, false)),
            Map.entry("", new SparkplugHost.NumberRange(-Double.MAX_VALUE, Double.MAX_VALUE, false)));

    /** The numbers a command may write to a metric of data type {@code type}; empty when it takes no number. */
    static Optional<SparkplugHost.NumberRange> commandRange(String type) {
        return Optional.ofNullable(COMMAND_RANGES.get(type));
    }

    /**
     * A DCMD/NCMD payload that writes {@code value} to {@code metric}, as the data type its birth announced. The value
     * is within {@link #commandRange} (the command validator checks it), so the casts below do not wrap.
     *
     * @throws IllegalArgumentException when the metric's data type does not hold a number
     */
    byte[] command(String metric, String type, double value, long now) {
        Object typed;
        MetricDataType dataType;
        switch (type) {
            case "Boolean" -> {
                dataType = MetricDataType.Boolean;
                typed = value != 0;
            }
            case "Float" -> {
                dataType = MetricDataType.Float;
                typed = (float) value;
            }
            case "Double", "" -> {
                dataType = MetricDataType.Double;
                typed = value;
            }
            case "Int8" -> {
                dataType = MetricDataType.Int8;
                typed = (byte) Math.round(value);
            }
            case "Int16", "UInt8" -> {
                dataType = "Int16".equals(type) ? MetricDataType.Int16 : MetricDataType.UInt8;
                typed = (short) Math.round(value);
            }
            case "Int32", "UInt16" -> {
                dataType = "Int32".equals(type) ? MetricDataType.Int32 : MetricDataType.UInt16;
                typed = (int) Math.round(value);
            }
            case "Int64", "UInt32" -> {
                dataType = "Int64".equals(type) ? MetricDataType.Int64 : MetricDataType.UInt32;
                typed = Math.round(value);
            }
            case "UInt64" -> {
                dataType = MetricDataType.UInt64;
                typed = BigInteger.valueOf(Math.round(value));
            }
            default ->
                throw new IllegalArgumentException(
                        "metric '" + metric + "' is a " + type + ", which a command's number cannot set");
        }
        try {
            SparkplugBPayload payload = new SparkplugBPayload.SparkplugBPayloadBuilder()
                    .setTimestamp(new Date(now))
                    .addMetric(new Metric.MetricBuilder(metric, dataType, typed).createMetric())
                    .createPayload();
            return new SparkplugBPayloadEncoder().getBytes(payload, false);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "cannot encode a command for metric '" + metric + "': " + e.getMessage(), e);
        }
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
}
