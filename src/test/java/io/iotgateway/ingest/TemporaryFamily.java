package io.iotgateway.ingest;

import static org.awaitility.Awaitility.await;

import io.iotgateway.support.RouteSources;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.CamelContext;

/**
 * A device family a test adds as a file to the running gateway (hot reload) and removes again: for settings that
 * must not apply to the other tests of the shared context, such as a low rate limit or an identity property.
 */
final class TemporaryFamily implements AutoCloseable {

    private static final Duration RELOAD = Duration.ofSeconds(20);

    private final CamelContext camel;
    private final Path file;
    private final String route;

    private TemporaryFamily(CamelContext camel, Path file, String name) {
        this.camel = camel;
        this.file = file;
        this.route = IngestRoutes.routeId(name);
    }

    /** Writes {@code <name>.family.yaml} and waits until its subscription route runs. */
    static TemporaryFamily create(CamelContext camel, String name, String yaml) {
        Path file = RouteSources.get().routes().resolve(name + FamilyCatalog.FAMILY_SUFFIX);
        TemporaryFamily family = new TemporaryFamily(camel, file, name);
        RouteSources.write(file, yaml);
        await().atMost(RELOAD).until(family::isStarted);
        return family;
    }

    private boolean isStarted() {
        var status = camel.getRouteController().getRouteStatus(route);
        return status != null && status.isStarted();
    }

    @Override
    public void close() {
        RouteSources.delete(file);
        await().atMost(RELOAD).until(() -> camel.getRoute(route) == null);
    }
}
