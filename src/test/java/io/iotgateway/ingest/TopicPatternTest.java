package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
    @ValueSource(strings = {"bike/000001", "bike/000001/heartrate/x", "car/1/speed", "bike", "bike/1/2/3/4"})
    void rejectsTopicsOfAnotherShape(String topic) {
        assertThat(bike.match(topic)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "bike//heartrate | {deviceId} is empty",
                "bike/1/ | {sensorType} is empty",
                "bike/a b/speed | {deviceId} 'a b' contains U+0020; expected letters, digits, '.', '_' or '-'",
                "bike/a+b/speed | {deviceId} 'a+b' contains U+002B",
                "bike/#/speed | {deviceId} '#' contains U+0023",
                "bike/caf\u00e9/speed | {deviceId} 'caf\u00e9' contains U+00E9",
                "bike/1/a\u0007b | {sensorType} 'a\\u0007b' contains U+0007",
            })
    void saysWhichLevelOfATopicOfTheRightShapeIsUnusable(String topic, String problem) {
        assertThat(TopicPattern.problem(bike.match(topic).orElseThrow()))
                .hasValueSatisfying(p -> assertThat(p).startsWith(problem));
    }

    @Test
    void rejectsOverlongIds() {
        assertThat(TopicPattern.problem(
                        bike.match("bike/" + "x".repeat(129) + "/speed").orElseThrow()))
                .contains("{deviceId} has 129 characters; at most 128 are allowed");
        assertThat(TopicPattern.problem(
                        bike.match("bike/" + "x".repeat(128) + "/speed").orElseThrow()))
                .isEmpty();
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
