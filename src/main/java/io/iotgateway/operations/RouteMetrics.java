package io.iotgateway.operations;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Route;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyNamingStrategy;
import org.apache.camel.spi.RoutePolicy;
import org.apache.camel.spi.RoutePolicyFactory;
import org.apache.camel.support.ExchangeHelper;
import org.apache.camel.support.RoutePolicySupport;
import org.springframework.stereotype.Component;

/**
 * Camel's route metrics ({@code camel_exchanges_total}, {@code camel_exchanges_failed_total},
 * {@code camel_route_policy_seconds}, ... with camel-micrometer's names and tags, which dashboards and alerts use),
 * with every meter registered once per route. camel-micrometer's own route policy (4.17) builds and registers its
 * timer again for each exchange and formats a property name twice: a sixth of the ingest threads' time at full rate.
 * It is switched off ({@code camel.metrics.enable-route-policy=false}); this one takes its place.
 */
@Component
class RouteMetrics implements RoutePolicyFactory {

    private static final MicrometerRoutePolicyNamingStrategy NAMES = MicrometerRoutePolicyNamingStrategy.DEFAULT;

    private final MeterRegistry meters;

    RouteMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camel, String routeId, NamedNode route) {
        return new Policy();
    }

    private final class Policy extends RoutePolicySupport {

        private volatile Meters routeMeters;

        @Override
        public void onInit(Route route) {
            super.onInit(route);
            // Like camel-micrometer by default: the routes Camel creates from Kamelets are counted in the route using
            // it.
            if (!route.isCreatedByKamelet()) {
                routeMeters = new Meters(route);
            }
        }

        @Override
        public void onRemove(Route route) {
            Meters removed = routeMeters;
            routeMeters = null;
            if (removed != null) {
                removed.all().forEach(meters::remove);
            }
        }

        @Override
        public void onExchangeBegin(Route route, Exchange exchange) {
            Meters current = routeMeters;
            if (current != null) {
                exchange.setProperty(current.startedAt, System.nanoTime());
            }
        }

        @Override
        public void onExchangeDone(Route route, Exchange exchange) {
            Meters current = routeMeters;
            Object startedAt = current == null ? null : exchange.removeProperty(current.startedAt);
            if (startedAt instanceof Long started) {
                current.record(exchange, System.nanoTime() - started);
            }
        }
    }

    private final class Meters {

        /** Per route: an exchange that passes through several routes is timed in each. */
        final String startedAt;

        final Timer timer;
        final Counter total;
        final Counter succeeded;
        final Counter failed;
        final Counter failuresHandled;
        final Counter externalRedeliveries;

        Meters(Route route) {
            startedAt = "gateway.routeStartedAt." + route.getRouteId();
            Tags status = NAMES.getExchangeStatusTags(route);
            timer = Timer.builder(NAMES.getName(route))
                    .tags(NAMES.getTags(route))
                    .description("Route performance metrics")
                    .register(meters);
            total = counter(NAMES.getExchangesTotalName(route), status, "Total number of processed exchanges");
            succeeded = counter(
                    NAMES.getExchangesSucceededName(route), status, "Number of successfully completed exchanges");
            failed = counter(NAMES.getExchangesFailedName(route), status, "Number of failed exchanges");
            failuresHandled = counter(NAMES.getFailuresHandledName(route), status, "Number of failures handled");
            externalRedeliveries = counter(
                    NAMES.getExternalRedeliveriesName(route),
                    status,
                    "Number of external initiated redeliveries (such as from JMS broker)");
        }

        private Counter counter(String name, Tags tags, String description) {
            return Counter.builder(name).tags(tags).description(description).register(meters);
        }

        void record(Exchange exchange, long nanos) {
            timer.record(nanos, TimeUnit.NANOSECONDS);
            total.increment();
            if (exchange.isFailed()) {
                failed.increment();
            } else {
                succeeded.increment();
                if (ExchangeHelper.isFailureHandled(exchange)) {
                    failuresHandled.increment();
                }
            }
            if (exchange.isExternalRedelivered()) {
                externalRedeliveries.increment();
            }
        }

        List<Meter> all() {
            return List.of(timer, total, succeeded, failed, failuresHandled, externalRedeliveries);
        }
    }
}
