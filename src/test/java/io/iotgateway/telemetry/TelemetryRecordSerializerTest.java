package io.iotgateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TelemetryRecordSerializerTest {

    private final ObjectMapper json = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    /** What the record was written with before: Jackson's bean serializer, configured by annotations. */
    private final ObjectMapper beans = json.copy().addMixIn(TelemetryRecord.class, BeanSerialized.class);

    @JsonSerialize(using = JsonSerializer.None.class)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({
        "messageId",
        "deviceId",
        "sensorType",
        "value",
        "unit",
        "timestamp",
        "receivedAt",
        "family",
        "sourceTopic",
        "metadata"
    })
    private interface BeanSerialized {}

    @Test
    void writesTheTextTheBeanSerializerWrote() throws Exception {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        metadata.put("placeId", "cold-room-1")
                .put("rssi", -71.5)
                .putObject("nested")
                .putArray("list")
                .add(1);
        metadata.put("quote", "\"a\"\n\u00e9\u20ac");
        for (TelemetryRecord record : List.of(
                new TelemetryRecord(
                        "6f1c8f0e-3b3c-3c0e-9a1e-000000000001",
                        "bike-000001",
                        "heartrate",
                        142,
                        "BPM",
                        Instant.parse("2026-12-07T02:00:00Z"),
                        Instant.parse("2026-12-07T02:00:00.123456789Z"),
                        "bike",
                        "bikes/bike-000001/telemetry",
                        metadata),
                new TelemetryRecord(
                        "id",
                        "group/node/device",
                        "Inputs/Pressure \"x\"",
                        -0.000123e-200,
                        null,
                        Instant.parse("1970-01-01T00:00:00.001Z"),
                        Instant.parse("2026-02-28T23:59:00.000100Z"),
                        "sparkplug",
                        "spBv1.0/group/DDATA/node/device",
                        JsonNodeFactory.instance.objectNode()),
                new TelemetryRecord(null, "d", "s", Double.MAX_VALUE, null, null, null, null, null, null))) {
            String bean = new String(beans.writeValueAsBytes(record), "UTF-8");
            assertThat(new String(json.writeValueAsBytes(record), "UTF-8")).isEqualTo(bean);
            assertThat(new String(record.toJson(json), "UTF-8")).isEqualTo(bean);
        }
    }
}
