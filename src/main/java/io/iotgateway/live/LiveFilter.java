package io.iotgateway.live;

import io.iotgateway.telemetry.Identifiers;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which events a client wants: any of the device ids (all when empty) and any of the sensor types (all when empty).
 * The sensor-type part applies only to events that have one, so a device's command reports pass a sensor filter.
 */
record LiveFilter(Set<String> deviceIds, Set<String> sensorTypes) {

    static final int MAX_VALUES = 100;

    static final LiveFilter ALL = new LiveFilter(Set.of(), Set.of());

    boolean matches(LiveEvent event) {
        return (deviceIds.isEmpty() || deviceIds.contains(event.deviceId()))
                && (sensorTypes.isEmpty() || event.sensorType() == null || sensorTypes.contains(event.sensorType()));
    }

    /**
     * @param deviceIds comma-separated, or null/blank for all
     * @param sensorTypes comma-separated, or null/blank for all
     * @throws IllegalArgumentException naming the parameter and what is expected
     */
    static LiveFilter parse(String deviceIds, String sensorTypes) {
        return new LiveFilter(values("deviceId", deviceIds), values("sensorType", sensorTypes));
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
            if (!Identifiers.isValid(value)) {
                throw new IllegalArgumentException(
                        name + " '" + value + "' must be 1-128 of A-Z a-z 0-9 . _ - (comma-separated for several)");
            }
        }
        return Set.copyOf(values);
    }
}
