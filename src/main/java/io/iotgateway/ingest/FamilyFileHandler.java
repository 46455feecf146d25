package io.iotgateway.ingest;

import io.iotgateway.mqtt.SessionSafeMqttComponent;
import io.iotgateway.reload.InvalidSourceException;
import io.iotgateway.reload.RouteSwaps;
import io.iotgateway.reload.RoutesProperties;
import io.iotgateway.reload.SourceHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.springframework.stereotype.Component;

/**
 * Hot reload of {@code *.family.yaml} files and the {@code *.schema.json} and descriptor set ({@code *.desc}) files
 * they use. A family edit that keeps
 * the subscription filter swaps the compiled family atomically: the running subscription carries on and the next
 * message uses the new mapping, so nothing is reconnected. A new filter, a new family or a deleted one adds or removes
 * just that family's {@code ingest-receive-<family>} route. Other families never notice.
 */
@Component
class FamilyFileHandler implements SourceHandler {

    private static final String SCHEMA_SUFFIX = ".schema.json";

    /** Compiled descriptor sets of protobuf families, by the extensions protoc users give them. */
    private static final List<String> DESCRIPTOR_SUFFIXES = List.of(".desc", ".binpb", ".protoset", ".pb");

    private final FamilyCatalog catalog;
    private final IngestRoutes routes;
    private final CamelContext camel;
    private final Path directory;
    private final Duration drainTimeout;

    FamilyFileHandler(FamilyCatalog catalog, IngestRoutes routes, CamelContext camel, RoutesProperties properties) {
        this.catalog = catalog;
        this.routes = routes;
        this.camel = camel;
        this.directory = properties.directoryPath();
        this.drainTimeout = properties.drainTimeout();
    }

    @Override
    public boolean accepts(Path file) {
        String name = file.getFileName().toString();
        return directory.equals(file.getParent())
                && (name.endsWith(FamilyCatalog.FAMILY_SUFFIX) || name.endsWith(SCHEMA_SUFFIX) || isDescriptor(name));
    }

    private static boolean isDescriptor(String name) {
        return DESCRIPTOR_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public List<String> apply(Path file, String content) throws InvalidSourceException {
        String fileName = file.getFileName().toString();
        if (fileName.endsWith(SCHEMA_SUFFIX) || isDescriptor(fileName)) {
            // used by families, which re-read it when they are re-applied (dependents)
            return List.of();
        }
        Optional<FamilyCatalog.Family> current = bySource(file);
        if (content == null) {
            if (current.isPresent()) {
                RouteSwaps.stopAndRemove(
                        camel, IngestRoutes.routeId(current.get().name()), drainTimeout);
                catalog.remove(current.get().name());
            }
            return List.of();
        }
        FamilyCatalog.Family next = catalog.compile(file, content);
        Optional<String> conflict = FamilyCatalog.conflict(catalog.snapshot(), next);
        if (conflict.isPresent()) {
            throw new InvalidSourceException(InvalidSourceException.lineOf(content, "topic:"), conflict.get());
        }
        String routeId = IngestRoutes.routeId(next.name());
        if (current.isPresent() && current.get().filter().equals(next.filter())) {
            catalog.put(next);
            return List.of(routeId);
        }
        if (current.isPresent()) {
            Route running = camel.getRoute(routeId);
            if (running != null) {
                camel.getComponent(SessionSafeMqttComponent.SCHEME, SessionSafeMqttComponent.class)
                        .replacing(running.getEndpoint());
            }
            RouteSwaps.stopAndRemove(camel, routeId, drainTimeout);
        }
        catalog.put(next);
        try {
            camel.addRoutes(routes.routeFor(next.name(), next.filter()));
            RouteSwaps.start(camel, List.of(routeId));
        } catch (Exception e) {
            rollback(current, next);
            throw new InvalidSourceException("the ingest route could not start: " + e.getMessage());
        }
        return List.of(routeId);
    }

    /** A schema or descriptor set edit re-applies the families that use it (they re-read it when compiled). */
    @Override
    public List<Path> dependents(Path file) {
        String name = file.getFileName().toString();
        if (!name.endsWith(SCHEMA_SUFFIX) && !isDescriptor(name)) {
            return List.of();
        }
        String location = "file:" + file;
        List<Path> families = new ArrayList<>();
        for (FamilyCatalog.Family family : catalog.all()) {
            if ((location.equals(family.schemaLocation()) || location.equals(family.descriptorLocation()))
                    && family.content() != null) {
                families.add(Path.of(family.source()));
            }
        }
        return families;
    }

    /** Restores the previous version after its replacement failed to start. */
    private void rollback(Optional<FamilyCatalog.Family> previous, FamilyCatalog.Family failed) {
        try {
            camel.removeRoute(IngestRoutes.routeId(failed.name()));
        } catch (Exception ignored) {
            // it never started
        }
        if (previous.isEmpty()) {
            catalog.remove(failed.name());
            return;
        }
        catalog.put(previous.get());
        try {
            camel.addRoutes(
                    routes.routeFor(previous.get().name(), previous.get().filter()));
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot restore ingest route of " + previous.get().name(), e);
        }
    }

    private Optional<FamilyCatalog.Family> bySource(Path file) {
        return catalog.all().stream()
                .filter(f -> f.source().equals(file.toString()))
                .findFirst();
    }
}
