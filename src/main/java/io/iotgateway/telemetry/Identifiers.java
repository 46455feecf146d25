package io.iotgateway.telemetry;

import java.util.regex.Pattern;

/** What the gateway accepts as a device id or sensor type: safe in MQTT topics, Kafka topics and keys, and URLs. */
public final class Identifiers {

    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private Identifiers() {}

    /** As {@link #ID}, without a regular expression: every device message's ids are checked. */
    public static boolean isValid(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '.'
                    || c == '_'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Untrusted text made safe to quote in a reason (log line, Kafka header, JSON): control and other invisible
     * characters as backslash-u escapes, and at most 64 characters.
     */
    public static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(64).forEach(c -> {
            if (Character.isISOControl(c)
                    || Character.getType(c) == Character.FORMAT
                    || Character.getType(c) == Character.UNASSIGNED
                    || Character.getType(c) == Character.SURROGATE) {
                out.append(String.format("\\u%04X", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return text.codePointCount(0, text.length()) > 64 ? out + "..." : out.toString();
    }
}
