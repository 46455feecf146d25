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
            int nanos = nanos(random, i);
            String text = Instant.ofEpochSecond(seconds, nanos).toString();
            assertThat(Instants.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void writesEveryInstantAsInstantToStringDoes() {
        SplittableRandom random = new SplittableRandom(7);
        long year10000 = Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            long seconds =
                    switch (i % 5) {
                        case 0 -> random.nextLong(-year10000, 2 * year10000); // also before 1970 and after 9999
                        case 1 -> random.nextLong(0, year10000) / 86_400 * 86_400; // midnight
                        case 2 -> random.nextLong(0, year10000) / 60 * 60; // second 0
                        default -> random.nextLong(0, year10000);
                    };
            int nanos = nanos(random, i);
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            assertThat(Instants.format(instant)).isEqualTo(instant.toString());
        }
        for (Instant edge : new Instant[] {
            Instant.EPOCH,
            Instant.ofEpochSecond(0, 1),
            Instant.ofEpochSecond(0, 1_000),
            Instant.ofEpochSecond(0, 1_000_000),
            Instant.parse("2000-02-29T23:59:59.999999999Z"),
            Instant.parse("9999-12-31T23:59:59.999Z"),
            Instant.parse("+10000-01-01T00:00:00Z"),
            Instant.ofEpochSecond(-1)
        }) {
            assertThat(Instants.format(edge)).isEqualTo(edge.toString());
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

    /** Nanoseconds with 0, 3, 6 and 9 fraction digits in turn. */
    private static int nanos(SplittableRandom random, int i) {
        return switch (i % 4) {
            case 0 -> 0;
            case 1 -> random.nextInt(1000) * 1_000_000;
            case 2 -> random.nextInt(1_000_000) * 1000;
            default -> random.nextInt(1_000_000_000);
        };
    }
}
