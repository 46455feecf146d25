package io.iotgateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How many ingest lanes the gateway runs: the configured number, or by default one that suits the machine's cores. */
class IngestLaneCountTest {

    @ParameterizedTest
    @CsvSource({"1, 0", "2, 0", "3, 2", "4, 2", "16, 2"})
    void byDefaultNoLanesOnTwoCoresOrFewerAndTwoOnMore(int processors, int lanes) {
        assertThat(GatewayProperties.Ingest.defaultLanes(processors)).isEqualTo(lanes);
    }

    @Test
    void aConfiguredNumberOfLanesIsKeptAsItIs() {
        assertThat(ingest(0).laneCount()).isZero();
        assertThat(ingest(3).laneCount()).isEqualTo(3);
    }

    @Test
    void noConfiguredNumberMeansTheDefaultForThisMachine() {
        assertThat(ingest(null).laneCount())
                .isEqualTo(GatewayProperties.Ingest.defaultLanes(
                        Runtime.getRuntime().availableProcessors()));
    }

    private static GatewayProperties.Ingest ingest(Integer lanes) {
        return new GatewayProperties.Ingest(65536, 524288, new GatewayProperties.RateLimit(0, 0), 1000, null, lanes);
    }
}
