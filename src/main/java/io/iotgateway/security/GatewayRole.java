package io.iotgateway.security;

/**
 * What a caller may do. Each role includes the ones below it: an operator may also read, an administrator may do
 * everything.
 */
public enum GatewayRole {
    /** Reads: {@code GET /api/**}, the dashboard, SSE {@code /events}, WebSocket {@code /ws} subscriptions. */
    VIEWER,
    /** Acts on devices and data: commands (HTTP and WebSocket {@code publish}), dead-letter replay. */
    OPERATOR,
    /** Runs the gateway: {@code /actuator/**} (metrics, Jolokia), Hawtio. */
    ADMIN
}
