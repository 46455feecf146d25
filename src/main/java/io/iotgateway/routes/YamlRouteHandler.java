package io.iotgateway.routes;

import com.fasterxml.jackson.databind.JsonNode;
import io.iotgateway.errors.GatewayExchange;
import io.iotgateway.routing.TelemetryRouter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RoutesDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.ToDynamicDefinition;
import org.apache.camel.model.WhenDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.util.URISupport;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.springframework.stereotype.Component;

/**
 * The user-editable Camel YAML DSL routes ({@code *.camel.yaml}). A file is parsed and checked completely before
 * anything running changes: YAML syntax, route ids (present, unique across every file and the built-in routes), the
 * error policy, every endpoint (component known, options valid, placeholders resolvable), Kamelets (exist, required
 * properties set) and that no other route already consumes from the same endpoint. Only then are the file's old routes
 * drained and stopped (bounded wait) and the new ones started; if they cannot start, the old version is restored.
 */
@Component
class YamlRouteHandler implements SourceHandler {

    static final String SUFFIX = ".camel.yaml";

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.+?)}}");

    private final CamelContext camel;
    private final TelemetryRouter router;
    private final KameletCatalog kamelets;
    private final Path directory;
    private final Duration drainTimeout;
    private final Map<Path, Active> active = new ConcurrentHashMap<>();

    YamlRouteHandler(CamelContext camel, TelemetryRouter router, KameletCatalog kamelets, RoutesProperties properties) {
        this.camel = camel;
        this.router = router;
        this.kamelets = kamelets;
        this.directory = properties.directoryPath();
        this.drainTimeout = properties.drainTimeout();
    }

    /** What a file currently runs. */
    /**
     * @param routeIds the file's routes
     * @param kameletRouteIds the routes Camel created for the Kamelets those routes use (removed with them)
     */
    private record Active(String content, List<String> routeIds, List<String> kameletRouteIds, Set<String> kamelets) {

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
        List<RouteDefinition> routes = parse(file, content);
        Analysis analysis = validate(file, content, routes);
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

    /** Parses a Kamelet file's template with Camel's own YAML loader, so a broken template is caught before use. */
    void parseTemplate(Path file, String content) throws InvalidSourceException {
        try {
            for (RoutesBuilder builder : load(file, content)) {
                if (builder instanceof RouteBuilder routeBuilder) {
                    routeBuilder.configureRoutes(camel);
                }
            }
        } catch (Exception e) {
            throw fromParseFailure(e);
        }
    }

    private List<RouteDefinition> parse(Path file, String content) throws InvalidSourceException {
        List<RouteDefinition> routes = new ArrayList<>();
        try {
            for (RoutesBuilder builder : load(file, content)) {
                if (!(builder instanceof RouteBuilder routeBuilder)) {
                    throw new InvalidSourceException("unexpected content; expected a list of '- route:' entries");
                }
                RoutesDefinition definitions = routeBuilder.configureRoutes(camel);
                boolean extras = !routeBuilder
                                .getRouteTemplateCollection()
                                .getRouteTemplates()
                                .isEmpty()
                        || !routeBuilder.getRestCollection().getRests().isEmpty()
                        || (routeBuilder instanceof RouteConfigurationBuilder configurations
                                && !configurations
                                        .getRouteConfigurationCollection()
                                        .getRouteConfigurations()
                                        .isEmpty());
                if (extras) {
                    throw new InvalidSourceException(
                            "only '- route:' entries are reloadable here; route templates, route configurations "
                                    + "and REST definitions belong in Kamelets or the application");
                }
                routes.addAll(definitions.getRoutes());
            }
        } catch (InvalidSourceException e) {
            throw e;
        } catch (Exception e) {
            throw fromParseFailure(e);
        }
        if (routes.isEmpty()) {
            throw new InvalidSourceException(
                    "no routes in the file; expected '- route:' entries (delete the file to " + "remove its routes)");
        }
        return routes;
    }

    private Collection<RoutesBuilder> load(Path file, String content) throws Exception {
        Resource resource = ResourceHelper.fromString("file:" + file, content);
        return PluginHelper.getRoutesLoader(camel).findRoutesBuilders(List.of(resource));
    }

    private record Analysis(List<String> routeIds, List<String> consumerUris, Set<String> kamelets) {}

    private Analysis validate(Path file, String content, List<RouteDefinition> routes) throws InvalidSourceException {
        checkPlaceholders(content);
        Set<String> ownIds =
                new LinkedHashSet<>(active.getOrDefault(file, new Active("", List.of(), List.of(), Set.of()))
                        .allRouteIds());
        Map<String, String> idsInFile = new LinkedHashMap<>();
        List<String> consumers = new ArrayList<>();
        Set<String> usedKamelets = new LinkedHashSet<>();
        for (RouteDefinition route : routes) {
            String from = route.getInput() == null ? null : route.getInput().getEndpointUri();
            if (!route.hasCustomIdAssigned()) {
                throw new InvalidSourceException(
                        InvalidSourceException.lineOf(content, from),
                        "the route from '" + from + "' has no id; expected 'id: <capability>-<verb>-<object>'");
            }
            String id = route.getRouteId();
            Integer line = InvalidSourceException.lineOf(content, id);
            if (idsInFile.put(id, id) != null) {
                throw new InvalidSourceException(line, "route id '" + id + "' is used twice in this file");
            }
            if (camel.getRoute(id) != null && !ownIds.contains(id)) {
                throw new InvalidSourceException(
                        line, "route id '" + id + "' is already used by " + ownerOf(id) + "; expected unique ids");
            }
            String configuration = route.getRouteConfigurationId();
            if (configuration == null || !List.of(configuration.split(",")).contains(GatewayExchange.ERROR_POLICY)) {
                throw new InvalidSourceException(
                        line,
                        "route '" + id + "' does not opt into the error policy; expected 'routeConfigurationId: "
                                + GatewayExchange.ERROR_POLICY + "' so failures end in the dead-letter topic");
            }
            String consumer = checkEndpoint(content, from, usedKamelets);
            checkConsumerIsFree(content, id, consumer, ownIds);
            consumers.add(consumer);
            checkOutputs(content, route.getOutputs(), usedKamelets);
        }
        return new Analysis(List.copyOf(idsInFile.keySet()), consumers, usedKamelets);
    }

    private void checkConsumerIsFree(String content, String id, String consumer, Set<String> ownIds)
            throws InvalidSourceException {
        for (Route other : camel.getRoutes()) {
            if (ownIds.contains(other.getRouteId()) || other.isCreatedByKamelet()) {
                continue;
            }
            if (Objects.equals(normalize(other.getEndpoint().getEndpointUri()), normalize(consumer))) {
                throw new InvalidSourceException(
                        InvalidSourceException.lineOf(content, "from:"),
                        "route '" + id + "' consumes from '" + consumer + "', which route '" + other.getRouteId()
                                + "' (" + ownerOf(other.getRouteId()) + ") already consumes from");
            }
        }
    }

    private void checkOutputs(String content, List<ProcessorDefinition<?>> outputs, Set<String> usedKamelets)
            throws InvalidSourceException {
        for (ProcessorDefinition<?> output : outputs) {
            if (output instanceof ToDynamicDefinition dynamic) {
                checkDynamic(content, dynamic.getUri());
            } else if (output instanceof SendDefinition<?> send) {
                checkEndpoint(content, send.getEndpointUri(), usedKamelets);
            }
            if (output instanceof ChoiceDefinition choice) {
                for (WhenDefinition when : choice.getWhenClauses()) {
                    checkOutputs(content, when.getOutputs(), usedKamelets);
                }
                if (choice.getOtherwise() != null) {
                    checkOutputs(content, choice.getOtherwise().getOutputs(), usedKamelets);
                }
            }
            checkOutputs(content, output.getOutputs(), usedKamelets);
        }
    }

    /** Resolves and creates the endpoint, which checks the component, its options and placeholders. */
    private String checkEndpoint(String content, String uri, Set<String> usedKamelets) throws InvalidSourceException {
        if (uri == null) {
            throw new InvalidSourceException("a route or step has no endpoint uri");
        }
        Integer line = InvalidSourceException.lineOf(content, uri);
        String resolved;
        try {
            resolved = camel.resolvePropertyPlaceholders(uri);
        } catch (RuntimeException e) {
            throw new InvalidSourceException(line, "endpoint '" + uri + "': " + rootMessage(e));
        }
        String scheme = scheme(resolved);
        if ("kamelet".equals(scheme)) {
            checkKamelet(line, resolved, usedKamelets);
            return normalize(resolved);
        }
        if (scheme == null || camel.getComponent(scheme) == null) {
            throw new InvalidSourceException(
                    line,
                    "endpoint '" + uri + "': unknown component '" + scheme + "' (is its starter on the classpath?)");
        }
        try {
            Endpoint endpoint = camel.getEndpoint(resolved);
            return normalize(endpoint.getEndpointUri());
        } catch (RuntimeException e) {
            throw new InvalidSourceException(line, "endpoint '" + uri + "': " + rootMessage(e));
        }
    }

    /** A toD uri is only known per message: its component and static placeholders are what can be checked now. */
    private void checkDynamic(String content, String uri) throws InvalidSourceException {
        String scheme = scheme(uri);
        if (scheme == null || camel.getComponent(scheme) == null) {
            throw new InvalidSourceException(
                    InvalidSourceException.lineOf(content, uri),
                    "endpoint '" + uri + "': unknown component '" + scheme + "'");
        }
    }

    private void checkKamelet(Integer line, String uri, Set<String> usedKamelets) throws InvalidSourceException {
        String rest = uri.substring("kamelet:".length());
        String name = rest.split("[/?]", 2)[0];
        if (name.equals("source") || name.equals("sink")) {
            throw new InvalidSourceException(line, "'kamelet:" + name + "' is only valid inside a Kamelet");
        }
        Optional<JsonNode> kamelet = kamelets.find(name);
        if (kamelet.isEmpty()) {
            throw new InvalidSourceException(
                    line,
                    "unknown Kamelet '" + name + "': expected "
                            + kamelets.directory().resolve(name + KameletCatalog.SUFFIX) + " or classpath:kamelets/"
                            + name + KameletCatalog.SUFFIX);
        }
        Map<String, Object> parameters;
        try {
            parameters = URISupport.parseQuery(URISupport.extractQuery(uri));
        } catch (Exception e) {
            throw new InvalidSourceException(line, "endpoint '" + uri + "': " + e.getMessage());
        }
        for (String required : KameletCatalog.required(kamelet.get())) {
            boolean configured = parameters.containsKey(required)
                    || camel.getPropertiesComponent()
                            .resolveProperty("camel.kamelet." + name + "." + required)
                            .isPresent();
            if (!configured) {
                throw new InvalidSourceException(
                        line, "Kamelet '" + name + "' needs property '" + required + "' (spec.definition.required)");
            }
        }
        usedKamelets.add(name);
    }

    private void checkPlaceholders(String content) throws InvalidSourceException {
        Matcher matcher = PLACEHOLDER.matcher(content);
        while (matcher.find()) {
            String key = matcher.group(1).trim();
            if (key.startsWith("?") || key.contains(":")) {
                continue; // optional, or with a default value
            }
            if (camel.getPropertiesComponent().resolveProperty(key).isEmpty()) {
                throw new InvalidSourceException(
                        InvalidSourceException.lineOf(content, matcher.group()),
                        "property placeholder {{" + key + "}} has no value (set it in application.yaml or the "
                                + "environment)");
            }
        }
    }

    private Active swap(Path file, String content, List<RouteDefinition> routes, Analysis analysis)
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
            Path file, String content, List<RouteDefinition> routes, Analysis analysis, Active previous)
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
            throw new InvalidSourceException("the routes could not start: " + rootMessage(e));
        }
        List<String> children = kameletRouteIds().stream()
                .filter(id -> !kameletRoutesBefore.contains(id))
                .toList();
        Active now = new Active(content, analysis.routeIds(), children, analysis.kamelets());
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
        router.unregisterHooks(file.getFileName().toString());
        try {
            awaitDrained(previous.routeIds());
            stopAll(previous);
        } catch (InvalidSourceException e) {
            restore(file, previous);
            throw e;
        }
        active.remove(file);
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
            List<RouteDefinition> routes = parse(file, previous.content());
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
                .map(r -> normalize(r.getEndpoint().getEndpointUri()))
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

    private static String normalize(String uri) {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        return scheme > 0 && scheme == uri.indexOf(':')
                ? uri.substring(0, scheme) + ":" + uri.substring(scheme + 3)
                : uri;
    }

    private static String scheme(String uri) {
        int colon = uri.indexOf(':');
        return colon <= 0 ? null : uri.substring(0, colon);
    }

    private static InvalidSourceException fromParseFailure(Exception failure) {
        Throwable cause = failure;
        while (cause != null) {
            if (cause instanceof MarkedYamlEngineException marked) {
                Integer line = marked.getProblemMark().map(m -> m.getLine() + 1).orElse(null);
                String problem = marked.getProblem() == null ? firstLine(marked.getMessage()) : marked.getProblem();
                return new InvalidSourceException(line, problem);
            }
            cause = cause.getCause();
        }
        return new InvalidSourceException(rootMessage(failure));
    }

    static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return firstLine(message);
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
