package io.iotgateway.live;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.live.*}: limits of the live endpoints (SSE {@code /events}, WebSocket {@code /ws}).
 *
 * @param replayBuffer recent events kept for clients that reconnect with {@code Last-Event-ID}
 * @param clientBuffer events queued per client; when a client reads slower than events arrive, the oldest are dropped
 *     and the client is told how many
 * @param maxClients connected clients at most, SSE and WebSocket together
 * @param heartbeat how often an idle SSE stream gets a comment line, so proxies keep it open
 * @param allowedOrigins browser origins (patterns) allowed to open the WebSocket besides the gateway's own
 * @param topics event type ({@code telemetry}, {@code alert}, {@code command-report}, {@code session}, {@code twin},
 *     {@code status}) -> the Kafka
 *     topic its events are read from
 */
@Validated
@ConfigurationProperties("gateway.live")
public record LiveProperties(
        boolean enabled,
        @NotNull @Min(0) Integer replayBuffer,
        @NotNull @Min(1) Integer clientBuffer,
        @NotNull @Min(1) Integer maxClients,
        @NotNull Duration heartbeat,
        List<String> allowedOrigins,
        @NotEmpty Map<String, String> topics) {

    public LiveProperties {
        allowedOrigins = allowedOrigins == null
                ? List.of()
                : allowedOrigins.stream().filter(o -> !o.isBlank()).toList();
    }
}
