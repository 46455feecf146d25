package io.iotgateway.security;

/**
 * What a caller may do. Each of the first three roles includes the ones below it: an operator may also read, an administrator may do
 * everything.
 */
public enum GatewayRole {
    /** Reads: {@code GET /api/**}, the dashboard, SSE {@code /events}, WebSocket {@code /ws} subscriptions. */
    VIEWER,
    /** Acts on devices and data: commands (HTTP and WebSocket {@code publish}), dead-letter replay. */
    OPERATOR,
    /** Runs the gateway: {@code /actuator/**} (metrics, Jolokia), Hawtio. */
    ADMIN,
    /**
     * A device, or a client sending for devices (a gateway behind a proxy, a serverless function): only the YAML HTTP
     * route paths {@code gateway.security.http-routes} gives this role ({@code /ingest/**} by default), and only for
     * the devices its token names. Outside the order above: no other role includes it, and it includes none.
     */
    DEVICE
}
