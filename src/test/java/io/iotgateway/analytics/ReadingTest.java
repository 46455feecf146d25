package io.iotgateway.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReadingTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void readsTheFieldsOfACanonicalRecord() {
        Reading reading = parse("{\"messageId\":\"m\",\"deviceId\":\"room-1\",\"sensorType\":\"temperature\","
                + "\"value\":21.5,\"unit\":\"C\",\"timestamp\":\"2026-12-06T05:00:00.250Z\","
                + "\"metadata\":{\"floor\":{\"n\":2},\"placeId\":\"lab\",\"tags\":[1,2]},\"family\":\"environment\","
                + "\"receivedAt\":\"2026-12-06T05:00:01Z\"}");

        assertThat(reading)
                .isEqualTo(new Reading(
                        "room-1",
                        "temperature",
                        21.5,
                        Instant.parse("2026-12-06T05:00:00.250Z"),
                        "environment",
                        "lab"));
    }

    @Test
    void leavesOutWhatIsMissingOrMalformed() {
        assertThat(parse("{\"deviceId\":\"d\",\"sensorType\":\"s\",\"value\":1,\"timestamp\":\"yesterday\","
                        + "\"metadata\":{\"placeId\":\" \"}}"))
                .isEqualTo(new Reading("d", "s", 1, null, null, null));
        assertThat(parse("{\"deviceId\":\"d\",\"sensorType\":\"s\",\"value\":\"1\"}"))
                .isNull();
        assertThat(parse("{\"deviceId\":\"d\",\"value\":1}")).isNull();
        assertThat(parse("[1,2]")).isNull();
        assertThat(parse("{\"deviceId\":")).isNull();
        assertThat(Reading.parse(json, null)).isNull();
    }

    private Reading parse(String body) {
        return Reading.parse(json, body.getBytes(StandardCharsets.UTF_8));
    }
}
