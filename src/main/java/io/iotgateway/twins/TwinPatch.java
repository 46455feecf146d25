package io.iotgateway.twins;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.iotgateway.telemetry.JsonPayloads;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads the body of {@code PATCH .../twin/desired}: a JSON merge patch (RFC 7386) of one level, component -> value or
 * null. Whether a value suits its component is the command validator's decision, not this class's.
 */
final class TwinPatch {

    static final int MAX_BODY_BYTES = 16 * 1024;
    static final int MAX_COMPONENTS = 64;
    static final String EXPECTED = "expected a JSON merge patch such as {\"fan\": 40} (null removes a component)";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private TwinPatch() {}

    /**
     * @return component -> value node (a JSON null removes it), in the order given
     * @throws InvalidPatchException naming what is wrong
     */
    static Map<String, JsonNode> parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new InvalidPatchException("the body is empty; " + EXPECTED);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new InvalidPatchException(
                    "the body has " + body.length + " bytes; at most " + MAX_BODY_BYTES + " are accepted");
        }
        String encoding = JsonPayloads.encodingProblem(body);
        if (encoding != null) {
            throw new InvalidPatchException("the body is not valid JSON: " + encoding);
        }
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (IOException e) {
            throw new InvalidPatchException("the body is not valid JSON; " + EXPECTED);
        }
        if (node == null || !node.isObject()) {
            throw new InvalidPatchException(EXPECTED);
        }
        if (node.size() > MAX_COMPONENTS) {
            throw new InvalidPatchException("the patch names more than " + MAX_COMPONENTS + " components");
        }
        Map<String, JsonNode> patch = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            patch.put(field.getKey(), field.getValue());
        }
        return patch;
    }

    /** A body that is not a merge patch of components (400, reason {@code invalid-patch}). */
    static final class InvalidPatchException extends RuntimeException {
        InvalidPatchException(String message) {
            super(message);
        }
    }
}
