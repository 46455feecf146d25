package io.iotgateway.telemetry;

import java.util.regex.Pattern;

/** What the gateway accepts as a device id or sensor type: safe in MQTT topics, Kafka topics and keys, and URLs. */
public final class Identifiers {

    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private Identifiers() {}

    public static boolean isValid(String id) {
        return id != null && ID.matcher(id).matches();
    }
}
