package io.iotgateway.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The host application's state per edge node: births, aliases, seq continuity (with wrap-around) and deaths. */
class SparkplugSessionsTest {

    private final SparkplugSessions sessions = new SparkplugSessions();

    @Test
    void aliasesFromTheBirthResolveDataAndSeqWrapsAt256() {
        born();
        SparkplugSessions.Outcome out = null;
        for (long seq = 1; seq <= 300; seq++) {
            out = sessions.process(topic("NDATA", null), data(seq % 256, 1L, 21.0));
            assertThat(out.rejection()).isNull();
        }
        assertThat(out.readings()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("Temperature");
            assertThat(r.unit()).isEqualTo("°C");
            assertThat(r.deviceId()).isEqualTo("g/n");
        });
    }

    @Test
    void aGapMakesTheNodeStaleUntilItsNextBirth() {
        born();
        SparkplugSessions.Outcome gap = sessions.process(topic("NDATA", null), data(3, 1L, 1));
        assertThat(gap.rejection()).isEqualTo(SparkplugSessions.Rejection.OUT_OF_SEQUENCE);
        assertThat(gap.rebirth()).isTrue();
        assertThat(sessions.process(topic("NDATA", null), data(4, 1L, 1)).rejection())
                .isEqualTo(SparkplugSessions.Rejection.OUT_OF_SEQUENCE);

        born();
        assertThat(sessions.process(topic("NDATA", null), data(1, 1L, 1)).rejection())
                .isNull();
    }

    @Test
    void aRepeatedSeqIsARedeliveryNotAGap() {
        born();
        assertThat(sessions.process(topic("NDATA", null), data(1, 1L, 1)).rejection())
                .isNull();
        assertThat(sessions.process(topic("NDATA", null), data(1, 1L, 1)).rejection())
                .isNull();
        assertThat(sessions.process(topic("NDATA", null), data(2, 1L, 1)).rejection())
                .isNull();
    }

    @Test
    void unknownAliasesAndDevicesWithoutBirthAreRejectedWithARebirth() {
        SparkplugSessions.Outcome early = sessions.process(topic("NDATA", null), data(5, 1L, 1));
        assertThat(early.rejection()).isEqualTo(SparkplugSessions.Rejection.UNKNOWN_ALIAS);
        assertThat(early.rebirth()).isTrue();

        born();
        SparkplugSessions.Outcome alias = sessions.process(topic("NDATA", null), data(1, 99L, 1));
        assertThat(alias.rejection()).isEqualTo(SparkplugSessions.Rejection.UNKNOWN_ALIAS);

        SparkplugSessions.Outcome device = sessions.process(topic("DDATA", "d1"), data(2, 1L, 1));
        assertThat(device.rejection()).isEqualTo(SparkplugSessions.Rejection.UNKNOWN_ALIAS);
    }

    @Test
    void deathsOfTheCurrentSessionTakeNodeAndDevicesOfflineAndOldOnesAreIgnored() {
        born();
        SparkplugSessions.Outcome device = sessions.process(
                topic("DBIRTH", "d1"),
                new SparkplugPayload(
                        null, 1L, List.of(new SparkplugPayload.Metric("Pressure", 10L, null, "Float", 1.0, "bar"))));
        assertThat(device.statuses()).singleElement().satisfies(s -> assertThat(s.deviceId())
                .isEqualTo("g/n/d1"));

        SparkplugSessions.Outcome stale = sessions.process(topic("NDEATH", null), death(6));
        assertThat(stale.statuses()).isEmpty();
        assertThat(sessions.online("g/n")).isTrue();

        SparkplugSessions.Outcome death = sessions.process(topic("NDEATH", null), death(7));
        assertThat(death.statuses())
                .extracting(SparkplugSessions.Status::deviceId)
                .containsExactly("g/n", "g/n/d1");
        assertThat(death.statuses()).noneMatch(SparkplugSessions.Status::online);
        assertThat(sessions.online("g/n")).isFalse();
    }

    /** NBIRTH with bdSeq 7 and Temperature as alias 1. */
    private void born() {
        SparkplugSessions.Outcome birth = sessions.process(
                topic("NBIRTH", null),
                new SparkplugPayload(
                        1L,
                        0L,
                        List.of(
                                new SparkplugPayload.Metric("bdSeq", null, null, "Int64", 7.0, null),
                                new SparkplugPayload.Metric("Temperature", 1L, null, "Double", 20.0, "°C"))));
        assertThat(birth.statuses()).first().satisfies(s -> {
            assertThat(s.online()).isTrue();
            assertThat(s.bdSeq()).isEqualTo(7L);
        });
        assertThat(birth.readings()).extracting(SparkplugSessions.Reading::name).containsExactly("Temperature");
    }

    private static SparkplugPayload data(long seq, Long alias, double value) {
        return new SparkplugPayload(
                2L, seq, List.of(new SparkplugPayload.Metric(null, alias, null, "Double", value, null)));
    }

    private static SparkplugPayload death(long bdSeq) {
        return new SparkplugPayload(
                3L, null, List.of(new SparkplugPayload.Metric("bdSeq", null, null, "Int64", (double) bdSeq, null)));
    }

    private static SparkplugTopic topic(String type, String device) {
        return new SparkplugTopic("g", type, "n", device);
    }
}
