package io.iotgateway.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.telemetry.TelemetryRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class GuardPrescreenTest {

    @Test
    void readsTheFamilyAndSensorTypeTestsOfAConjunction() {
        GuardPrescreen coldRoom = GuardPrescreen.of(
                "simple",
                "${exchangeProperty.family} == 'environment' && ${exchangeProperty.sensorType} == 'temperature'"
                        + " && ${exchangeProperty.value} < 16");

        assertThat(coldRoom).isEqualTo(new GuardPrescreen("environment", "temperature", null));
        assertThat(coldRoom.mayAdmit(record("environment", "temperature", "room-1")))
                .as("the value test is the filter's to decide")
                .isTrue();
        assertThat(coldRoom.mayAdmit(record("environment", "humidity", "room-1")))
                .isFalse();
        assertThat(coldRoom.mayAdmit(record("bike", "temperature", "bike-1"))).isFalse();
    }

    @Test
    void readsADeviceIdTest() {
        GuardPrescreen one = GuardPrescreen.of("simple", "${exchangeProperty.deviceId} == 'bike-7'");

        assertThat(one.mayAdmit(record("bike", "speed", "bike-7"))).isTrue();
        assertThat(one.mayAdmit(record("bike", "speed", "bike-8"))).isFalse();
    }

    @Test
    void leavesEverythingElseToTheFilter() {
        for (String expression : new String[] {
            "${exchangeProperty.family} == 'bike' || ${exchangeProperty.family} == 'fms'",
            "(${exchangeProperty.family} == 'bike') && ${exchangeProperty.value} > 1",
            "${exchangeProperty.family} != 'bike'",
            "${exchangeProperty.family} == ${exchangeProperty.expectedFamily}",
            "${exchangeProperty.value} > 185"
        }) {
            assertThat(GuardPrescreen.of("simple", expression).mayAdmit(record("other", "other", "other")))
                    .as(expression)
                    .isTrue();
        }
        assertThat(GuardPrescreen.of("jq", ".family == \"bike\"")).isEqualTo(GuardPrescreen.NONE);
    }

    private static TelemetryRecord record(String family, String sensorType, String deviceId) {
        Instant now = Instant.parse("2026-12-06T00:00:00Z");
        return new TelemetryRecord(
                "m-1", deviceId, sensorType, 1.0, "u", now, now, family, "devices/" + deviceId + "/telemetry", null);
    }
}
