package io.iotgateway.reload;

import io.iotgateway.hooks.TelemetryRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.RouteDefinition;
import org.springframework.stereotype.Component;

/**
 * The user-editable Camel YAML DSL routes ({@code *.camel.yaml}): a file that {@link YamlRouteValidator} passes replaces
 * the file's running routes. The old routes are drained and stopped (bounded wait) and the new ones started; if they
 * cannot start, the old version is restored.
 */
@Component
class YamlRouteHandler implements SourceHandler {

    static final String SUFFIX = ".camel.yaml";

    private final CamelContext camel;
    private final TelemetryRouter router;
    private final YamlRouteValidator validator;
    private final Path directory;
    private final Duration drainTimeout;
    private final HttpRouteGate gate;
    private final Map<Path, Active> active = new ConcurrentHashMap<>();

    YamlRouteHandler(
            CamelContext camel,
            TelemetryRouter router,
            YamlRouteValidator validator,
            RoutesProperties properties,
            HttpRouteGate gate) {
        this.camel = camel;
        this.gate = gate;
        this.router = router;
        this.validator = validator;
        this.directory = properties.directoryPath();
        this.drainTimeout = properties.drainTimeout();
    }

    /**
     * What a file currently runs.
     *
     * @param routeIds the file's routes
     * @param kameletRouteIds the routes Camel created for the Kamelets those routes use (removed with them)
     * @param httpPaths the paths its {@code platform-http} routes serve
     */
    private record Active(
            String content,
            List<String> routeIds,
            List<String> kameletRouteIds,
            Set<String> kamelets,
            List<String> httpPaths) {

        List<String> allRouteIds() {
            List<String> all = new ArrayList<>(routeIds);
            all.addAll(kameletRouteIds);
            return all;
        }
    }

    @Override
    public boolean accepts(Path file) {
        return directory.equals(file.getParent())
                && file.getFileName().toString().endsWith(SUFFIX);
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public List<String> apply(Path file, String content) throws InvalidSourceException {
        if (content == null) {
            remove(file);
            return List.of();
        }
        List<RouteDefinition> routes = validator.parse(file, content);
        Set<String> ownIds =
                new LinkedHashSet<>(active.containsKey(file) ? active.get(file).allRouteIds() : List.of());
        YamlRouteValidator.Analysis analysis = validator.validate(content, routes, ownIds, this::ownerOf);
        return swap(file, content, routes, analysis).allRouteIds();
    }

    /** The route files whose routes use Kamelet {@code name}. */
    List<Path> filesUsingKamelet(String name) {
        return active.entrySet().stream()
                .filter(e -> e.getValue().kamelets().contains(name))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
    }

    /**
     * Swaps the file's routes; requests to the HTTP paths of either version are held by the {@link HttpRouteGate} for
     * the time of the swap, and the old version stops only once the requests it was serving were answered.
     */
    private Active swap(Path file, String content, List<RouteDefinition> routes, YamlRouteValidator.Analysis analysis)
            throws InvalidSourceException {
        Active previous = active.get(file);
        List<String> oldPaths = previous == null ? List.of() : previous.httpPaths();
        Set<String> gated = new LinkedHashSet<>(oldPaths);
        gated.addAll(httpPaths(routes));
        if (gated.isEmpty()) {
            return swapRoutes(file, content, routes, analysis);
        }
        gate.close(gated);
        try {
            awaitAnswered(oldPaths);
            return swapRoutes(file, content, routes, analysis);
        } finally {
            Active now = active.get(file);
            gate.open(file, now == null ? List.of() : now.httpPaths(), gated);
        }
    }

    private void awaitAnswered(List<String> paths) throws InvalidSourceException {
        if (!paths.isEmpty() && !gate.awaitIdle(paths, drainTimeout)) {
            throw new InvalidSourceException("HTTP requests to " + paths + " were still being answered after "
                    + drainTimeout.toSeconds() + " s; kept the running version");
        }
    }

    static List<String> httpPaths(List<RouteDefinition> routes) {
        return routes.stream()
                .map(r -> r.getInput() == null
                        ? null
                        : HttpRouteGate.pathOf(r.getInput().getEndpointUri()))
                .filter(Objects::nonNull)
                .distinct()
                .toList();
    }

    private Active swapRoutes(
            Path file, String content, List<RouteDefinition> routes, YamlRouteValidator.Analysis analysis)
            throws InvalidSourceException {
        Active previous = active.get(file);
        String source = file.getFileName().toString();
        if (previous != null) {
            // Hooks the new version drops are unregistered first, so no message waits for them during the swap.
            List<String> kept = analysis.consumerUris().stream()
                    .filter(uri -> hooksOf(previous).contains(uri))
                    .toList();
            router.registerHooks(source, kept);
            List<String> paused = hooksOf(previous);
            // no new message enters the old routes; the ones inside finish, then they stop
            router.pause(paused);
            try {
                awaitDrained(previous.routeIds());
                stopAll(previous);
            } catch (InvalidSourceException e) {
                restore(file, previous);
                router.resume(paused);
                throw e;
            }
            try {
                return addAndStart(file, content, routes, analysis, previous);
            } finally {
                router.resume(paused);
            }
        }
        return addAndStart(file, content, routes, analysis, null);
    }

    /** Waits (bounded) until none of the routes has an exchange in flight. */
    private void awaitDrained(List<String> routeIds) {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (System.nanoTime() < deadline
                && routeIds.stream()
                        .anyMatch(id -> camel.getInflightRepository().size(id) > 0)) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Active addAndStart(
            Path file,
            String content,
            List<RouteDefinition> routes,
            YamlRouteValidator.Analysis analysis,
            Active previous)
            throws InvalidSourceException {
        String source = file.getFileName().toString();
        Set<String> kameletRoutesBefore = kameletRouteIds();
        try {
            ((ModelCamelContext) camel).addRouteDefinitions(routes);
            RouteSwaps.start(camel, analysis.routeIds());
        } catch (Exception e) {
            for (String id : analysis.routeIds()) {
                removeQuietly(id);
            }
            kameletRouteIds().stream()
                    .filter(id -> !kameletRoutesBefore.contains(id))
                    .forEach(this::removeQuietly);
            if (previous != null) {
                restore(file, previous);
            } else {
                active.remove(file);
            }
            throw new InvalidSourceException("the routes could not start: " + YamlRouteValidator.rootMessage(e));
        }
        List<String> children = kameletRouteIds().stream()
                .filter(id -> !kameletRoutesBefore.contains(id))
                .toList();
        Active now = new Active(content, analysis.routeIds(), children, analysis.kamelets(), httpPaths(routes));
        active.put(file, now);
        router.registerHooks(source, analysis.consumerUris());
        return now;
    }

    /** Routes Camel created from Kamelet templates, whoever uses them. */
    private Set<String> kameletRouteIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (Route route : camel.getRoutes()) {
            if (route.isCreatedByKamelet()) {
                ids.add(route.getRouteId());
            }
        }
        return ids;
    }

    private void remove(Path file) throws InvalidSourceException {
        Active previous = active.get(file);
        if (previous == null) {
            return;
        }
        gate.close(previous.httpPaths());
        try {
            awaitAnswered(previous.httpPaths());
            router.unregisterHooks(file.getFileName().toString());
            try {
                awaitDrained(previous.routeIds());
                stopAll(previous);
            } catch (InvalidSourceException e) {
                restore(file, previous);
                throw e;
            }
            active.remove(file);
        } finally {
            Active now = active.get(file);
            gate.open(file, now == null ? List.of() : now.httpPaths(), previous.httpPaths());
        }
    }

    /** Stops the file's routes after their in-flight messages finished, then the routes their Kamelets created. */
    private void stopAll(Active previous) throws InvalidSourceException {
        for (String id : previous.allRouteIds()) {
            RouteSwaps.stopAndRemove(camel, id, drainTimeout);
        }
    }

    /** Brings the previous version back after a failed swap (its content was valid and ran before). */
    private void restore(Path file, Active previous) {
        try {
            List<RouteDefinition> routes = validator.parse(file, previous.content());
            List<RouteDefinition> missing = routes.stream()
                    .filter(r -> camel.getRoute(r.getRouteId()) == null)
                    .toList();
            ((ModelCamelContext) camel).addRouteDefinitions(missing);
            RouteSwaps.start(
                    camel, missing.stream().map(RouteDefinition::getRouteId).toList());
            router.registerHooks(
                    file.getFileName().toString(),
                    routes.stream().map(r -> r.getInput().getEndpointUri()).toList());
        } catch (Exception e) {
            throw new IllegalStateException("cannot restore the previous routes of " + file, e);
        }
    }

    private List<String> hooksOf(Active previous) {
        return previous.routeIds().stream()
                .map(camel::getRoute)
                .filter(Objects::nonNull)
                .map(r -> TelemetryRouter.normalize(r.getEndpoint().getEndpointUri()))
                .filter(TelemetryRouter::isHook)
                .toList();
    }

    private void removeQuietly(String id) {
        try {
            if (camel.getRoute(id) != null) {
                camel.getRouteController().stopRoute(id);
                camel.removeRoute(id);
            }
        } catch (Exception ignored) {
            // best effort: it never ran
        }
    }

    private String ownerOf(String routeId) {
        for (Map.Entry<Path, Active> entry : active.entrySet()) {
            if (entry.getValue().allRouteIds().contains(routeId)) {
                return entry.getKey().getFileName().toString();
            }
        }
        return "a built-in route";
    }
}
