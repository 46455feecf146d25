package io.iotgateway.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LiveFilterTest {

    private static LiveEvent event(String type, String deviceId, String sensorType) {
        return new LiveEvent(1, type, deviceId, sensorType, "{}");
    }

    @Test
    void matchesAnyOfTheListedDevicesAndSensors() {
        LiveFilter filter = LiveFilter.parse("a, b", "heartrate", null);

        assertThat(filter.matches(event("telemetry", "a", "heartrate"))).isTrue();
        assertThat(filter.matches(event("telemetry", "b", "heartrate"))).isTrue();
        assertThat(filter.matches(event("telemetry", "a", "speed"))).isFalse();
        assertThat(filter.matches(event("telemetry", "c", "heartrate"))).isFalse();
    }

    @Test
    void aSensorFilterDoesNotHideEventsWithoutSensor() {
        assertThat(LiveFilter.parse("a", "heartrate", null).matches(event("command-report", "a", null)))
                .isTrue();
    }

    @Test
    void filtersByEventType() {
        LiveFilter alerts = LiveFilter.parse(null, null, "alert");

        assertThat(alerts.matches(event("alert", "a", "heartrate"))).isTrue();
        assertThat(alerts.matches(event("telemetry", "a", "heartrate"))).isFalse();
        assertThatThrownBy(() -> LiveFilter.parse(null, null, "weather")).hasMessageContaining("type 'weather'");
        assertThat(LiveFilter.parse(null, null, "session").matches(event("session", "a", null)))
                .isTrue();
    }

    @Test
    void sparkplugDeviceIdsAndMetricNamesHaveUpToThreeParts() {
        LiveFilter filter = LiveFilter.parse("plant-1/gw-1/pump-1", "Inputs/Pressure", "status");
        assertThat(filter.matches(new LiveEvent(1, "status", "plant-1/gw-1/pump-1", null, "{}")))
                .isTrue();
    }

    @Test
    void emptyMeansEverything() {
        assertThat(LiveFilter.parse(null, " ", "")).isEqualTo(LiveFilter.ALL);
        assertThat(LiveFilter.ALL.matches(event("alert", "x", "y"))).isTrue();
    }

    @Test
    void refusesInvalidValuesNamingTheParameter() {
        assertThatThrownBy(() -> LiveFilter.parse("a b", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("deviceId 'a b'");
        assertThatThrownBy(() -> LiveFilter.parse("a/b/c/d", null, null)).hasMessageStartingWith("deviceId 'a/b/c/d'");
        assertThatThrownBy(() -> LiveFilter.parse(null, "x,".repeat(101) + "y", null))
                .hasMessageContaining("more than 100");
    }
}
