package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicPatternTest {

    private final TopicPattern bike = TopicPattern.parse("bike/{deviceId}/{sensorType}");

    @Test
    void bindsVariables() {
        assertThat(bike.match("bike/000001/heartrate"))
                .contains(Map.of("deviceId", "000001", "sensorType", "heartrate"));
    }

    @Test
    void derivesTheSubscriptionFilter() {
        assertThat(bike.filter()).isEqualTo("bike/+/+");
        assertThat(TopicPattern.parse("fms/data").filter()).isEqualTo("fms/data");
    }

    @ParameterizedTest
    @ValueSource(strings = {"bike/000001", "bike/000001/heartrate/x", "bike//heartrate", "car/1/speed", "bike/1/"})
    void rejectsTopicsOfAnotherShape(String topic) {
        assertThat(bike.match(topic)).isEmpty();
    }

    @Test
    void rejectsOverlongIds() {
        assertThat(bike.match("bike/" + "x".repeat(129) + "/speed")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bike/+/speed", "bike/#", "bike/{id", "bike/{a}/{a}", "bike//x", "bike/pre{id}"})
    void malformedPatternsSayWhatWasExpected(String pattern) {
        assertThatThrownBy(() -> TopicPattern.parse(pattern))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected")
                .satisfiesAnyOf(
                        e -> assertThat(e.getMessage()).contains("topic pattern"),
                        e -> assertThat(e.getMessage()).contains("'" + pattern + "'"));
    }
}
