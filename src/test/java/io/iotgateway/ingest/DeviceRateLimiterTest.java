package io.iotgateway.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.iotgateway.config.FamilyProperties;
import io.iotgateway.config.GatewayProperties;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DeviceRateLimiterTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    @Test
    void aDeviceGetsItsBurstAndNoMoreWhileOthersKeepTheirs() {
        DeviceRateLimiter limiter = limiter(new GatewayProperties.RateLimit(1, 5), 1000);
        FamilyCatalog.Family family = family("devices", null);

        long accepted = IntStream.range(0, 50)
                .filter(i -> limiter.tryAcquire(family, "noisy"))
                .count();

        // a refill of 1/s may add one while the loop runs
        assertThat(accepted).isBetween(5L, 6L);
        assertThat(limiter.tryAcquire(family, "quiet")).isTrue();
        assertThat(limiter.tryAcquire(family("other", null), "noisy"))
                .as("per family")
                .isTrue();
    }

    @Test
    void aFamilyLimitReplacesTheDefaultAndZeroTurnsItOff() {
        DeviceRateLimiter limiter = limiter(new GatewayProperties.RateLimit(1, 1), 1000);
        FamilyCatalog.Family unlimited = family("unlimited", new GatewayProperties.RateLimit(0, null));
        FamilyCatalog.Family generous = family("generous", new GatewayProperties.RateLimit(100, 0));

        assertThat(IntStream.range(0, 10_000).allMatch(i -> limiter.tryAcquire(unlimited, "d")))
                .isTrue();
        // burst 0 means one second's worth
        assertThat(IntStream.range(0, 100).allMatch(i -> limiter.tryAcquire(generous, "d")))
                .isTrue();
        assertThat(limiter.limitOf(generous).capacity()).isEqualTo(100);
    }

    @Test
    void memoryIsBoundedWhateverTheNumberOfDeviceIds() {
        DeviceRateLimiter limiter = limiter(new GatewayProperties.RateLimit(10, 10), 100);
        FamilyCatalog.Family family = family("devices", null);

        IntStream.range(0, 10_000).forEach(i -> limiter.tryAcquire(family, "made-up-" + i));

        assertThat(limiter.trackedDevices()).isLessThanOrEqualTo(100);
        assertThat(meters.find("gateway.ingest.rate.limit.devices").gauge().value())
                .isLessThanOrEqualTo(100);
    }

    private DeviceRateLimiter limiter(GatewayProperties.RateLimit defaults, int tracked) {
        GatewayProperties properties = new GatewayProperties(
                null, null, new GatewayProperties.Ingest(65536, 524288, defaults, tracked, null, 0), null, null, null);
        return new DeviceRateLimiter(properties, meters);
    }

    private static FamilyCatalog.Family family(String name, GatewayProperties.RateLimit limit) {
        FamilyProperties properties = new FamilyProperties(
                name,
                name + "/{deviceId}",
                null,
                "unused",
                null,
                List.of(new FamilyProperties.Reading("t", null, "value", null, null)),
                null,
                null,
                limit,
                null,
                null,
                null,
                null,
                null);
        return new FamilyCatalog.Family(properties, null, null, null, "test", null, null);
    }
}
