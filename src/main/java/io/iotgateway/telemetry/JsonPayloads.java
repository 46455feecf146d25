package io.iotgateway.telemetry;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/**
 * How the gateway reads JSON that devices and clients send: exactly one UTF-8 document. Jackson is lenient by default
 * (the last of duplicate names wins, content after the document is ignored, UTF-16 and UTF-32 are detected), and
 * the original bytes travel on to other consumers, which might read such a payload differently: a second
 * {@code deviceId} could then speak for another device.
 */
public final class JsonPayloads {

    private JsonPayloads() {}

    /** A reader that refuses duplicate names and anything after the document. */
    public static ObjectReader strictReader(ObjectMapper json) {
        return json.reader()
                .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /**
     * Why the bytes cannot be UTF-8 JSON before parsing, or null: a NUL byte never occurs in UTF-8 JSON (control
     * characters in strings are escaped) but does in UTF-16/32 text, which Jackson would otherwise accept.
     */
    public static String encodingProblem(byte[] payload) {
        for (int i = 0; i < payload.length; i++) {
            if (payload[i] == 0) {
                return "a NUL byte at byte " + i + "; expected UTF-8 JSON";
            }
        }
        return null;
    }
}
