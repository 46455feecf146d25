package io.iotgateway.sparkplug;

import java.util.List;

/**
 * What the host application needs of a decoded Sparkplug B payload, independent of the decoding library.
 *
 * @param timestamp payload time in epoch milliseconds, or null
 * @param seq the edge node's sequence number 0-255, or null (NDEATH has none)
 */
record SparkplugPayload(Long timestamp, Long seq, List<Metric> metrics) {

    /**
     * @param name null when the metric is sent by alias only
     * @param alias null when the metric has no alias
     * @param timestamp epoch milliseconds, or null
     * @param dataType the Sparkplug data type's name (Double, Int32, Boolean, String, ...)
     * @param value the value as a number (booleans 1/0), or null when it is not numeric or is null
     * @param unit the metric's {@code engUnit} property, or null
     */
    record Metric(String name, Long alias, Long timestamp, String dataType, Double value, String unit) {}
}
