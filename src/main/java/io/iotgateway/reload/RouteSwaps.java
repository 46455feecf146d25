package io.iotgateway.reload;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.ServiceStatus;
import org.apache.camel.impl.engine.AbstractCamelContext;
import org.apache.camel.support.service.ServiceHelper;

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
            dropShadowedKameletRoutes(camel);
        } catch (InvalidSourceException e) {
            throw e;
        } catch (Exception e) {
            throw new InvalidSourceException("route '" + routeId + "' could not be stopped: " + e.getMessage());
        }
    }

    /**
     * Camel 4.17 with the supervising route controller starts a route made from a Kamelet twice when a route using
     * the Kamelet is added at run time: the Kamelet component starts it again because the supervisor has not yet. The
     * second copy replaces the first under the same id, and the first stays in the context's route list with its
     * services (a Kafka producer, say), so removing the id leaves it behind, with no status. Stops and drops such
     * copies. Upstream: CAMEL-24630, fixed after 4.22.0 (the "pending" Kamelet producer above likely shares its cause).
     */
    static void dropShadowedKameletRoutes(CamelContext camel) {
        for (Route route : camel.getRoutes()) {
            if (route.isCreatedByKamelet() && camel.getRouteController().getRouteStatus(route.getRouteId()) == null) {
                ServiceHelper.stopAndShutdownService(route.getConsumer());
                ServiceHelper.stopAndShutdownServices(route.getServices());
                ((AbstractCamelContext) camel).removeRoute(route);
            }
        }
    }
}
