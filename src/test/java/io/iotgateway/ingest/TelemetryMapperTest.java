package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.FamilyProperties;
import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.errors.RejectReason;
import io.iotgateway.telemetry.TelemetryRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TelemetryMapperTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant RECEIVED = Instant.parse("2026-11-22T08:00:00Z");

    private static final FamilyProperties DEVICES = new FamilyProperties(
            "devices",
            "devices/{deviceId}/telemetry",
            null,
            "unused",
            "deviceId",
            List.of(new FamilyProperties.Reading(null, "sensorType", "value", null, "unit")),
            "timestamp",
            "metadata",
            null,
            null,
            null,
            null,
            null,
            null);

    private static final FamilyProperties ROOMS = new FamilyProperties(
            "rooms",
            "sensors/{placeId}/{deviceId}/frame",
            null,
            "unused",
            "id",
            List.of(
                    new FamilyProperties.Reading("temperature", null, "temperature", "°C", null),
                    new FamilyProperties.Reading("humidity", null, "humidity", "%", null)),
            "timestamp",
            null,
            null,
            null,
            null,
            null,
            null,
            null);

    @ParameterizedTest
    @CsvSource({
        "1757841776, 2025-09-14T09:22:56Z",
        "1757841776.3686342, 2025-09-14T09:22:56.369Z",
        "1763320419000, 2025-11-16T19:13:39Z",
        "'\"2026-11-22T10:00:00+01:00\"', 2026-11-22T09:00:00Z",
    })
    void understandsEpochSecondsMillisAndIso(String timestamp, String expected) throws Exception {
        TelemetryRecord record = map(
                        DEVICES,
                        "devices/d1/telemetry",
                        "{\"sensorType\":\"t\",\"value\":1,\"timestamp\":" + timestamp + "}")
                .get(0);
        assertThat(record.timestamp()).isEqualTo(Instant.parse(expected));
    }

    @Test
    void withoutTimestampTheReceiptTimeIsUsed() throws Exception {
        assertThat(map(DEVICES, "devices/d1/telemetry", "{\"sensorType\":\"t\",\"value\":1}")
                        .get(0)
                        .timestamp())
                .isEqualTo(RECEIVED);
    }

    @Test
    void badTimestampIsAPreciseReject() {
        assertThatThrownBy(() -> map(
                        DEVICES, "devices/d1/telemetry", "{\"sensorType\":\"t\",\"value\":1,\"timestamp\":\"noon\"}"))
                .isInstanceOfSatisfying(MessageRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(RejectReason.SCHEMA_VIOLATION))
                .hasMessageContaining("$.timestamp");
    }

    @Test
    void unnamedFieldsAndExtraTopicVariablesBecomeMetadata() throws Exception {
        List<TelemetryRecord> records = map(
                ROOMS,
                "sensors/room-1/env-1/frame",
                "{\"id\":\"env-1\",\"name\":\"hall\",\"temperature\":21.5,\"humidity\":40,\"timestamp\":1763320419}");

        assertThat(records).extracting(TelemetryRecord::sensorType).containsExactly("temperature", "humidity");
        assertThat(records).extracting(TelemetryRecord::unit).containsExactly("°C", "%");
        JsonNode metadata = records.get(0).metadata();
        assertThat(metadata.get("name").asText()).isEqualTo("hall");
        assertThat(metadata.get("placeId").asText()).isEqualTo("room-1");
        assertThat(metadata.has("temperature")).isFalse();
        assertThat(metadata.has("id")).isFalse();
    }

    @Test
    void sameMessageYieldsTheSameIdAndEachReadingItsOwn() throws Exception {
        String payload = "{\"id\":\"env-1\",\"temperature\":21.5,\"humidity\":40,\"timestamp\":1763320419}";
        List<TelemetryRecord> first = map(ROOMS, "sensors/room-1/env-1/frame", payload);
        List<TelemetryRecord> again = map(ROOMS, "sensors/room-1/env-1/frame", payload);

        assertThat(again)
                .extracting(TelemetryRecord::messageId)
                .containsExactlyElementsOf(
                        first.stream().map(TelemetryRecord::messageId).toList());
        assertThat(first.get(0).messageId()).isNotEqualTo(first.get(1).messageId());
    }

    @Test
    void withoutTimestampEveryMessageIsDistinct() throws Exception {
        String payload = "{\"sensorType\":\"t\",\"value\":1}";
        assertThat(map(DEVICES, "devices/d1/telemetry", payload).get(0).messageId())
                .isNotEqualTo(
                        map(DEVICES, "devices/d1/telemetry", payload).get(0).messageId());
    }

    @Test
    void payloadDeviceIdMustAgreeWithTheTopic() {
        assertThatThrownBy(() ->
                        map(DEVICES, "devices/d1/telemetry", "{\"deviceId\":\"d2\",\"sensorType\":\"t\",\"value\":1}"))
                .isInstanceOfSatisfying(MessageRejectedException.class, e -> assertThat(e.reason())
                        .isEqualTo(RejectReason.DEVICE_ID_MISMATCH));
    }

    private static List<TelemetryRecord> map(FamilyProperties family, String topic, String payload) throws Exception {
        TopicPattern pattern = TopicPattern.parse(family.topic());
        Map<String, String> variables = pattern.match(topic).orElseThrow();
        FamilyCatalog.Match match = new FamilyCatalog.Match(
                new FamilyCatalog.Family(family, pattern, pattern.filter(), null, "test", null, null), variables);
        byte[] raw = payload.getBytes(StandardCharsets.UTF_8);
        return TelemetryMapper.map(match, topic, JSON.readTree(raw), raw, null, RECEIVED);
    }
}
