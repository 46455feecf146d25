package io.iotgateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InstantsTest {

    @Test
    void readsEveryInstantAsInstantParseDoes() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            long seconds = random.nextLong(
                    Instant.parse("1000-01-01T00:00:00Z").getEpochSecond(),
                    Instant.parse("9999-12-31T23:59:59Z").getEpochSecond());
            int nanos =
                    switch (i % 4) {
                        case 0 -> 0;
                        case 1 -> random.nextInt(1000) * 1_000_000;
                        case 2 -> random.nextInt(1_000_000) * 1000;
                        default -> random.nextInt(1_000_000_000);
                    };
            String text = Instant.ofEpochSecond(seconds, nanos).toString();
            assertThat(Instants.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void readsOtherFormsAsInstantParseDoes() {
        for (String text : new String[] {
            "2024-02-29T12:00:00Z",
            "2024-02-29T12:00:00.5Z",
            "2026-12-06T05:00:00.123456789Z",
            "0999-01-01T00:00:00Z",
            "2026-12-06T05:00:00+01:00",
            "+12026-01-01T00:00:00Z",
            "2016-12-31T23:59:60Z",
            "2026-12-06T24:00:00Z",
            "2026-12-06T05:00:00.Z"
        }) {
            assertThat(Instants.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void refusesWhatInstantParseRefuses() {
        for (String text : new String[] {
            "2023-02-29T12:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-12-06 05:00:00Z",
            "2026-12-06T05:00:00",
            "2026-1a-06T05:00:00Z",
            "",
            "2026-12-06T05:00:00.1234567890Z"
        }) {
            assertThatThrownBy(() -> Instant.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
            assertThatThrownBy(() -> Instants.parse(text)).as(text).isInstanceOf(DateTimeParseException.class);
        }
    }
}
