package io.iotgateway.telemetry;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Route ids read {@code <capability>-<verb>-<object>} (e.g. {@code ingest-receive-bike}), so a metric, a log line or
 * the Hawtio tree says what a route does and which part of the gateway owns it. Java routes follow it (a test checks
 * every route) and a YAML route file that breaks it is refused at reload.
 */
public final class RouteIds {

    public static final String INGEST = "ingest";

    /** The MQTT ingest routes, one per device family: {@code ingest-receive-<family>}. */
    public static final String INGEST_RECEIVE_PREFIX = INGEST + "-receive-";

    public static final List<String> CAPABILITIES =
            List.of(INGEST, "routing", "persistence", "analytics", "commands", "twins", "live", "errors");

    /** Kept short on purpose: a verb outside it is more often a misplaced object ({@code commands-mqtt-...}). */
    public static final List<String> VERBS = List.of(
            "receive",
            "consume",
            "read",
            "publish",
            "send",
            "forward",
            "store",
            "write",
            "replay",
            "fan-out",
            "check",
            "report",
            "expire",
            "enrich",
            "filter",
            "transform",
            "notify",
            "archive",
            "count",
            "serve");

    private static final Pattern SHAPE = Pattern.compile(
            "(" + String.join("|", CAPABILITIES) + ")-(" + String.join("|", VERBS) + ")-[a-z0-9]+(-[a-z0-9]+)*");

    private RouteIds() {}

    public static String ingest(String family) {
        return INGEST_RECEIVE_PREFIX + family;
    }

    public static boolean isIngest(String routeId) {
        return routeId != null && routeId.startsWith(INGEST + "-");
    }

    /** Why {@code routeId} breaks the pattern, or empty when it follows it. */
    public static Optional<String> violation(String routeId) {
        if (SHAPE.matcher(routeId).matches()) {
            return Optional.empty();
        }
        return Optional.of("route id '" + routeId + "' does not read <capability>-<verb>-<object> in lower-case"
                + " kebab case; capability one of " + CAPABILITIES + ", verb one of " + VERBS
                + " (e.g. routing-fan-out-bike)");
    }
}
