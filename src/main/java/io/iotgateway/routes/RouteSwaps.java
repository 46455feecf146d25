package io.iotgateway.routes;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;

/** Stopping one route for a reload: gracefully, bounded, and without touching any other route. */
public final class RouteSwaps {

    private RouteSwaps() {}

    /**
     * Starts routes added while the context runs. The supervising route controller starts routes only at start-up;
     * those added later stay stopped until started explicitly (a failing start is then retried with its back-off).
     */
    public static void start(CamelContext camel, Iterable<String> routeIds) throws Exception {
        if (!camel.isStarted()) {
            return; // they start with the context
        }
        for (String id : routeIds) {
            ServiceStatus status = camel.getRouteController().getRouteStatus(id);
            if (status != null && !status.isStarted()) {
                camel.getRouteController().startRoute(id);
            }
        }
    }

    /**
     * Stops {@code routeId} once its in-flight exchanges finished, then removes it. If they do not finish within
     * {@code drainTimeout} the stop is aborted and the route keeps running.
     *
     * @throws InvalidSourceException when the route could not be drained or removed
     */
    public static void stopAndRemove(CamelContext camel, String routeId, Duration drainTimeout)
            throws InvalidSourceException {
        if (camel.getRoute(routeId) == null) {
            return;
        }
        try {
            ServiceStatus status = camel.getRouteController().getRouteStatus(routeId);
            if (status != null && status.isStarted()) {
                boolean stopped = camel.getRouteController()
                        .stopRoute(routeId, Math.max(1, drainTimeout.toMillis()), TimeUnit.MILLISECONDS, true);
                if (!stopped && camel.getInflightRepository().size(routeId) == 0) {
                    // Nothing of this route is in flight: the wait was for a Kamelet producer whose Kamelet route Camel
                    // already replaced (Camel 4.17 counts it as pending). Stopping now loses nothing.
                    camel.getRouteController().stopRoute(routeId);
                    stopped = true;
                }
                if (!stopped) {
                    throw new InvalidSourceException("route '" + routeId + "' still had messages in flight after "
                            + drainTimeout.toSeconds() + " s; kept the running version");
                }
            }
            if (!camel.removeRoute(routeId)) {
                throw new InvalidSourceException("route '" + routeId + "' could not be removed");
            }
            // Camel 4.17 can register a route made from a Kamelet twice under one id; remove what is left of it.
            for (int attempt = 0; attempt < 3 && camel.getRoute(routeId) != null; attempt++) {
                camel.getRouteController().stopRoute(routeId);
                camel.removeRoute(routeId);
            }
        } catch (InvalidSourceException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidSourceException("route '" + routeId + "' could not be stopped: " + e.getMessage());
        }
    }
}
