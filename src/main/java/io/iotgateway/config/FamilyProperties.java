package io.iotgateway.config;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.Map;

/**
 * One device family: which MQTT topics it owns and how its payload maps to canonical telemetry records. Families are
 * data, not code: a {@code <name>.family.yaml} file in the routes directory (hot-reloaded), or an entry of
 * {@code gateway.families}. Where the original payload goes besides the canonical topic (seed fan-outs) is up to the
 * YAML routes.
 *
 * @param name kebab-case name, used in route ids and MQTT client ids
 * @param topic topic pattern whose levels are literals or {@code {variable}}; {@code {deviceId}} and
 *     {@code {sensorType}} are understood, other variables are kept as metadata
 * @param filter MQTT subscription filter; derived from {@code topic} when absent
 * @param schema location of the JSON Schema the payload must satisfy (a Protobuf payload as the JSON tree it decodes
 *     to); optional for {@code protobuf} families, whose descriptor already fixes the field types
 * @param deviceIdField payload field holding the device id (must agree with the topic's {@code {deviceId}})
 * @param readings one entry per canonical record produced from a payload
 * @param timestampField payload field with the device time (epoch seconds, epoch millis or ISO-8601)
 * @param metadataField payload object merged into the record metadata
 * @param rateLimit this family's per-device allowance instead of {@code gateway.ingest.rate-limit}
 * @param identityProperty this family's {@code gateway.ingest.identity-property} (blank: no check)
 * @param format how payloads are encoded: {@code json} (the default), {@code protobuf}, or {@code sparkplug} (Sparkplug
 *     B: topics, payloads and mapping are the spec's, so {@code topic}, {@code schema} and {@code readings} are unused)
 * @param descriptor for {@code protobuf}: location of the compiled descriptor set ({@code protoc --include_imports
 *     --descriptor_set_out=...}) that declares {@code messageType}
 * @param messageType for {@code protobuf}: the fully qualified message type of the payload, e.g. {@code meter.Reading}
 * @param twinReported sensor type -> twin component: a record of that sensor type is the device reporting the
 *     component's value (e.g. {@code fan: fan}), so the twin's {@code reported} follows telemetry, not only command
 *     reports
 */
public record FamilyProperties(
        @NotBlank @Pattern(regexp = "[a-z0-9]+(-[a-z0-9]+)*", message = "must be kebab-case, e.g. room-sensors")
                String name,
        String topic,
        String filter,
        String schema,
        String deviceIdField,
        List<@Valid @NotNull Reading> readings,
        String timestampField,
        String metadataField,
        @Valid GatewayProperties.RateLimit rateLimit,
        String identityProperty,
        @Pattern(regexp = "json|protobuf|sparkplug", message = "must be json, protobuf or sparkplug") String format,
        String descriptor,
        String messageType,
        Map<String, String> twinReported) {

    public FamilyProperties {
        twinReported = twinReported == null ? Map.of() : Map.copyOf(twinReported);
    }

    public static final String JSON = "json";
    public static final String PROTOBUF = "protobuf";
    public static final String SPARKPLUG = "sparkplug";

    /** True for a {@code format: sparkplug} family: Sparkplug B topics and payloads, mapped by the spec. */
    public boolean sparkplug() {
        return SPARKPLUG.equals(format);
    }

    /** True for a {@code format: protobuf} family. */
    public boolean protobuf() {
        return PROTOBUF.equals(format);
    }

    /**
     * @param sensorType fixed sensor type of this reading
     * @param sensorTypeField payload field holding the sensor type (when neither this nor {@code sensorType} is set,
     *     the topic's {@code {sensorType}} is used)
     * @param valueField payload field holding the numeric value
     * @param unit fixed unit
     * @param unitField payload field holding the unit
     */
    public record Reading(
            String sensorType, String sensorTypeField, @NotBlank String valueField, String unit, String unitField) {}
}
