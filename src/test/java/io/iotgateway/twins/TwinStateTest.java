package io.iotgateway.twins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The twin's rules without I/O: merge patch, delta, reported values, attempts and back-off. */
class TwinStateTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant T1 = T0.plusSeconds(5);

    @Test
    void mergePatchSetsAndRemovesDesiredValuesAndBumpsTheVersion() {
        TwinState twin = TwinState.empty("bike-1").mergeDesired(Map.of("fan", 40.0, "incline", 2.0), T0);

        assertThat(twin.desired()).containsExactly(Map.entry("fan", 40.0), Map.entry("incline", 2.0));
        assertThat(twin.version()).isEqualTo(1);
        assertThat(twin.desiredAt()).containsEntry("fan", T0);

        TwinState removed = twin.mergeDesired(patch("incline", null), T1);
        assertThat(removed.desired()).containsExactly(Map.entry("fan", 40.0));
        assertThat(removed.desiredAt()).containsOnlyKeys("fan");
        assertThat(removed.version()).isEqualTo(2);
    }

    @Test
    void aPatchThatChangesNothingLeavesTheTwinAsItIs() {
        TwinState twin = TwinState.empty("bike-1").mergeDesired(Map.of("fan", 40.0), T0);

        assertThat(twin.mergeDesired(Map.of("fan", 40.0), T1)).isSameAs(twin);
        assertThat(twin.mergeDesired(patch("resistance", null), T1)).isSameAs(twin);
        assertThat(twin.mergeDesired(Map.of(), T1)).isSameAs(twin);
    }

    @Test
    void deltaIsTheDesiredValuesNotReportedYet() {
        TwinState twin = TwinState.empty("bike-1")
                .mergeDesired(Map.of("fan", 40.0, "resistance", 10.0), T0)
                .withReported("fan", 30.0, T0)
                .withReported("resistance", 10.0, T0)
                .withReported("incline", 3.0, T0);

        assertThat(twin.delta()).containsExactly(Map.entry("fan", 40.0));
        assertThat(twin.isOpen()).isTrue();

        TwinState converged = twin.withReported("fan", 40.0, T1);
        assertThat(converged.delta()).isEmpty();
        assertThat(converged.isOpen()).isFalse();
        assertThat(converged.reportedAt()).containsEntry("fan", T1);
        assertThat(converged.version()).isEqualTo(twin.version() + 1);
    }

    @Test
    void reportingTheSameValueAgainIsNoChange() {
        TwinState twin = TwinState.empty("bike-1").withReported("fan", 40.0, T0);

        assertThat(twin.withReported("fan", 40.0, T1)).isSameAs(twin);
    }

    @Test
    void aClosedDeltaForgetsItsAttemptsAndAttemptsDoNotChangeTheVersion() {
        TwinState twin = TwinState.empty("bike-1").mergeDesired(Map.of("fan", 40.0), T0);
        TwinState attempted = twin.withAttempt("fan", new TwinState.Attempt("c1", 40.0, 1, T0, T1));

        assertThat(attempted.version()).isEqualTo(twin.version());
        assertThat(attempted.nextAttemptAt(T0)).contains(T1);
        assertThat(attempted.withReported("fan", 40.0, T1).attempts()).isEmpty();
        assertThat(attempted.withReported("fan", 39.0, T1).attempts()).containsKey("fan");
    }

    @Test
    void aNewDesiredValueResetsTheBackOffButKeepsThePendingCommand() {
        TwinState twin = TwinState.empty("bike-1")
                .mergeDesired(Map.of("fan", 40.0), T0)
                .withAttempt("fan", new TwinState.Attempt("c1", 40.0, 3, T0, T0.plusSeconds(60)));

        TwinState changed = twin.mergeDesired(Map.of("fan", 60.0), T1);

        TwinState.Attempt attempt = changed.attempts().get("fan");
        assertThat(attempt.commandId()).isEqualTo("c1");
        assertThat(attempt.count()).isZero();
        assertThat(attempt.notBefore()).isNull();
        assertThat(changed.nextAttemptAt(T1)).contains(T1);
    }

    @Test
    void backOffDoublesUpToTheMaximum() {
        Duration base = Duration.ofSeconds(10);
        Duration max = Duration.ofMinutes(1);

        assertThat(TwinState.backoff(1, base, max)).isEqualTo(Duration.ofSeconds(10));
        assertThat(TwinState.backoff(2, base, max)).isEqualTo(Duration.ofSeconds(20));
        assertThat(TwinState.backoff(3, base, max)).isEqualTo(Duration.ofSeconds(40));
        assertThat(TwinState.backoff(4, base, max)).isEqualTo(max);
        assertThat(TwinState.backoff(1000, base, max)).isEqualTo(max);
    }

    @Test
    void patchBodyIsAFlatJsonObjectWithNullsKept() {
        Map<String, com.fasterxml.jackson.databind.JsonNode> patch =
                TwinPatch.parse(bytes("{\"fan\":40,\"incline\":null}"));

        assertThat(patch).containsOnlyKeys("fan", "incline");
        assertThat(patch.get("fan").doubleValue()).isEqualTo(40.0);
        assertThat(patch.get("incline").isNull()).isTrue();
    }

    @Test
    void patchBodiesThatAreNotMergePatchesAreRejectedWithAReason() {
        for (String body : new String[] {"", "[1]", "40", "{\"fan\":1,\"fan\":2}", "{\"fan\":1} x", "{"}) {
            assertThatThrownBy(() -> TwinPatch.parse(bytes(body)))
                    .as(body)
                    .isInstanceOf(TwinPatch.InvalidPatchException.class);
        }
    }

    private static Map<String, Double> patch(String component, Double value) {
        Map<String, Double> patch = new HashMap<>();
        patch.put(component, value);
        return patch;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
