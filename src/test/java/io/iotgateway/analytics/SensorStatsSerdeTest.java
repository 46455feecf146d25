package io.iotgateway.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class SensorStatsSerdeTest {

    private final ObjectMapper json = new ObjectMapper();
    private final Serde<SensorStats> serde = SensorStatsSerde.of(json);

    @Test
    void binaryValuesReadBackAsWritten() {
        SensorStats stats = sample();

        byte[] bytes = serde.serializer().serialize("store", stats);

        assertThat(bytes[0]).isEqualTo(SensorStatsSerde.FORMAT);
        assertThat(serde.deserializer().deserialize("store", bytes))
                .usingRecursiveComparison()
                .isEqualTo(stats);
    }

    @Test
    void jsonValuesOfEarlierVersionsInTheChangelogAreStillRead() throws Exception {
        SensorStats stats = sample();

        byte[] legacy = json.writeValueAsBytes(stats);

        assertThat(serde.deserializer().deserialize("store", legacy))
                .usingRecursiveComparison()
                .isEqualTo(stats);
    }

    @Test
    void aValueInAnUnknownFormatIsAClearError() {
        assertThatThrownBy(() -> serde.deserializer().deserialize("store", new byte[] {9, 0, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("unknown format (first byte 9)");
        assertThatThrownBy(() -> serde.deserializer().deserialize("store", new byte[] {SensorStatsSerde.FORMAT, 0}))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("cannot be read");
    }

    private static SensorStats sample() {
        Instant at = Instant.parse("2026-12-06T10:00:00Z");
        SensorStats stats = new SensorStats();
        stats.add(new Reading("bike-1", "heartrate", 120.5, at, "bike", null));
        stats.add(new Reading("bike-1", "heartrate", 131.0, at.plusSeconds(1), "bike", null));
        stats.add(new Reading("bike-1", "cadence", -3.25, at.plusSeconds(2), "bike", null));
        stats.add(new Reading("bike-1", "température", 21.0, at.plusSeconds(3), "bike", null));
        return stats;
    }
}
