package io.iotgateway.hooks;

import io.iotgateway.telemetry.TelemetryRecord;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The equality tests on a record's family, sensor type or device id that a hook's filter requires, read from the
 * filter's simple expression when the hook is registered. Checked on the record itself, they rule a hook out before
 * any exchange is built for its filter: the shipped fan-outs and alert rules test the family or the sensor type first,
 * so for most messages no hook costs anything. What is not such a test is left to the filter itself.
 */
record GuardPrescreen(String family, String sensorType, String deviceId) {

    static final GuardPrescreen NONE = new GuardPrescreen(null, null, null);

    private static final Pattern EQUALITY =
            Pattern.compile("\\$\\{exchangeProperty\\.(family|sensorType|deviceId)}\\s*==\\s*'([^'$\\\\{}]*)'");

    /**
     * The tests {@code expression} requires of every record it admits: only a plain conjunction (no {@code ||}, no
     * grouping) is read, since each of its terms must hold.
     */
    static GuardPrescreen of(String language, String expression) {
        if (!"simple".equals(language) || expression == null || expression.contains("||") || expression.contains("(")) {
            return NONE;
        }
        String family = null;
        String sensorType = null;
        String deviceId = null;
        for (String term : expression.split("&&")) {
            Matcher equality = EQUALITY.matcher(term.strip());
            if (!equality.matches()) {
                continue;
            }
            switch (equality.group(1)) {
                case "family" -> family = equality.group(2);
                case "sensorType" -> sensorType = equality.group(2);
                default -> deviceId = equality.group(2);
            }
        }
        return new GuardPrescreen(family, sensorType, deviceId);
    }

    /** False when the record fails a test the filter requires; true means the filter itself decides. */
    boolean mayAdmit(TelemetryRecord record) {
        return (family == null || family.equals(record.family()))
                && (sensorType == null || sensorType.equals(record.sensorType()))
                && (deviceId == null || deviceId.equals(record.deviceId()));
    }
}
