package io.iotgateway.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IdentifiersTest {

    @Test
    void acceptsWhatTheIdPatternAccepts() {
        String alphabet = "aZ09._-/ +\u00e9\u0130\u212a\u0000#";
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 50_000; i++) {
            StringBuilder id = new StringBuilder();
            int length = i % 10 == 0 ? random.nextInt(126, 131) : random.nextInt(0, 12);
            for (int c = 0; c < length; c++) {
                // mostly valid characters, so that valid ids are common
                id.append(alphabet.charAt(
                        random.nextInt(100) < 95 ? random.nextInt(7) : random.nextInt(alphabet.length())));
            }
            String text = id.toString();
            assertThat(Identifiers.isValid(text))
                    .as(text)
                    .isEqualTo(Identifiers.ID.matcher(text).matches());
        }
        assertThat(Identifiers.isValid(null)).isFalse();
        assertThat(Identifiers.isValid("bike-000001")).isTrue();
    }
}
