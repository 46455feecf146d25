package io.iotgateway.ingest;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bucket;
import io.iotgateway.config.GatewayProperties;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Each device's allowance of messages, per family: a token bucket (Bucket4j) of {@code burst} messages refilled at
 * {@code per-device} messages per second. The buckets live in a bounded map (Caffeine) that forgets a device once its
 * bucket would be full again, so many devices, or made-up device ids, cannot grow the memory without limit.
 */
@Component
class DeviceRateLimiter {

    private record Allowance(GatewayProperties.RateLimit limit, Bucket bucket) {

        /** How long until an unused bucket is full again: after that, a fresh bucket is the same thing. */
        Duration refillTime() {
            long millis = Math.max(1000L, 1000L * limit.capacity() / limit.perDevice());
            return Duration.ofMillis(millis);
        }
    }

    private final GatewayProperties.RateLimit defaults;
    private final Cache<String, Allowance> allowances;

    DeviceRateLimiter(GatewayProperties properties, MeterRegistry meters) {
        this.defaults = properties.ingest().rateLimit();
        this.allowances = Caffeine.newBuilder()
                .maximumSize(properties.ingest().rateLimitTrackedDevices())
                .expireAfter(Expiry.accessing((String key, Allowance allowance) -> allowance.refillTime()))
                .build();
        Gauge.builder("gateway.ingest.rate.limit.devices", allowances, Cache::estimatedSize)
                .description("Devices whose rate-limit allowance the gateway currently tracks")
                .register(meters);
    }

    /** The limit that applies to a family: its own, or gateway.ingest.rate-limit. */
    GatewayProperties.RateLimit limitOf(FamilyCatalog.Family family) {
        GatewayProperties.RateLimit own = family.properties().rateLimit();
        return own != null ? own : defaults;
    }

    /** Takes one message from the device's allowance; false when it is used up (the message must be rejected). */
    boolean tryAcquire(FamilyCatalog.Family family, String deviceId) {
        GatewayProperties.RateLimit limit = limitOf(family);
        if (!limit.enabled()) {
            return true;
        }
        // A family reload with another limit starts the family's devices on fresh buckets of the new size.
        Allowance allowance = allowances
                .asMap()
                .compute(
                        family.name() + '/' + deviceId,
                        (key, current) -> current != null && current.limit().equals(limit)
                                ? current
                                : new Allowance(limit, bucket(limit)));
        return allowance.bucket().tryConsume(1);
    }

    /** Devices whose allowance is currently remembered (after pending evictions). */
    long trackedDevices() {
        allowances.cleanUp();
        return allowances.estimatedSize();
    }

    private static Bucket bucket(GatewayProperties.RateLimit limit) {
        return Bucket.builder()
                .addLimit(bandwidth ->
                        bandwidth.capacity(limit.capacity()).refillGreedy(limit.perDevice(), Duration.ofSeconds(1)))
                .build();
    }
}
