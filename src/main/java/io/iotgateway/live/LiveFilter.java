package io.iotgateway.live;

import io.iotgateway.telemetry.Identifiers;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which events a client wants: any of the device ids, any of the sensor types and any of the event types (each: all
 * when empty). The sensor-type part applies only to events that have one, so a device's command reports pass a
 * sensor filter.
 */
record LiveFilter(Set<String> deviceIds, Set<String> sensorTypes, Set<String> types) {

    static final int MAX_VALUES = 100;

    static final LiveFilter ALL = new LiveFilter(Set.of(), Set.of(), Set.of());

    static final Set<String> TYPES = Set.of("telemetry", "alert", "command-report", "session", "twin", "status");

    boolean matches(LiveEvent event) {
        return (types.isEmpty() || types.contains(event.type()))
                && (deviceIds.isEmpty() || deviceIds.contains(event.deviceId()))
                && (sensorTypes.isEmpty() || event.sensorType() == null || sensorTypes.contains(event.sensorType()));
    }

    /**
     * @param deviceIds comma-separated, or null/blank for all
     * @param sensorTypes comma-separated, or null/blank for all
     * @param types comma-separated event types, or null/blank for all
     * @throws IllegalArgumentException naming the parameter and what is expected
     */
    static LiveFilter parse(String deviceIds, String sensorTypes, String types) {
        Set<String> eventTypes = values("type", types);
        for (String type : eventTypes) {
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException(
                        "type '" + type + "' is not an event type; expected some of " + new TreeSet<>(TYPES));
            }
        }
        return new LiveFilter(values("deviceId", deviceIds), values("sensorType", sensorTypes), eventTypes);
    }

    /** An id, or a Sparkplug B one ({@code group/edgeNode/device}, metric names such as {@code Inputs/Pressure}). */
    private static boolean isValid(String value) {
        String[] parts = value.split("/", -1);
        if (parts.length > 3) {
            return false;
        }
        for (String part : parts) {
            if (!Identifiers.isValid(part)) {
                return false;
            }
        }
        return true;
    }

    private static Set<String> values(String name, String list) {
        if (list == null || list.isBlank()) {
            return Set.of();
        }
        String[] listed = list.split(",", -1);
        if (listed.length > MAX_VALUES) {
            throw new IllegalArgumentException(name + " lists more than " + MAX_VALUES + " values");
        }
        Set<String> values = Arrays.stream(listed).map(String::trim).collect(Collectors.toSet());
        for (String value : values) {
            if (!isValid(value)) {
                throw new IllegalArgumentException(name + " '" + value
                        + "' must be 1-128 of A-Z a-z 0-9 . _ - (up to three such parts joined by '/' for Sparkplug B"
                        + " ids and metric names; comma-separated for several)");
            }
        }
        return Set.copyOf(values);
    }
}
