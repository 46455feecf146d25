package io.iotgateway.reload;

import com.fasterxml.jackson.databind.JsonNode;
import io.iotgateway.hooks.TelemetryRouter;
import io.iotgateway.telemetry.GatewayExchange;
import io.iotgateway.telemetry.RouteIds;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.ChoiceDefinition;
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
import org.springframework.core.NestedExceptionUtils;
import org.springframework.stereotype.Component;

/**
 * Parses and checks a {@code *.camel.yaml} file completely, before anything running changes: YAML syntax, route ids
 * (present, {@code <capability>-<verb>-<object>}, unique across every file and the built-in routes), the error policy,
 * every endpoint (component known, options valid, placeholders resolvable), Kamelets (exist, required properties set)
 * and that no other route already consumes from the same endpoint. {@link YamlRouteHandler} swaps what passes.
 */
@Component
class YamlRouteValidator {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.+?)}}");

    private final CamelContext camel;
    private final KameletCatalog kamelets;

    YamlRouteValidator(CamelContext camel, KameletCatalog kamelets) {
        this.camel = camel;
        this.kamelets = kamelets;
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

    List<RouteDefinition> parse(Path file, String content) throws InvalidSourceException {
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

    /** What a valid file declares: its route ids, what they consume from (normalised) and the Kamelets they use. */
    record Analysis(List<String> routeIds, List<String> consumerUris, Set<String> kamelets) {}

    /**
     * Checks parsed routes against the running application; {@code ownIds} are the routes the file runs now (which the
     * new version may reuse), {@code ownerOf} names the file (or "a built-in route") that runs a given route id.
     */
    Analysis validate(
            String content, List<RouteDefinition> routes, Set<String> ownIds, Function<String, String> ownerOf)
            throws InvalidSourceException {
        checkPlaceholders(content);
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
            Optional<String> misnamed = RouteIds.violation(id);
            if (misnamed.isPresent()) {
                throw new InvalidSourceException(line, misnamed.get());
            }
            if (idsInFile.put(id, id) != null) {
                throw new InvalidSourceException(line, "route id '" + id + "' is used twice in this file");
            }
            if (camel.getRoute(id) != null && !ownIds.contains(id)) {
                throw new InvalidSourceException(
                        line,
                        "route id '" + id + "' is already used by " + ownerOf.apply(id) + "; expected unique ids");
            }
            String configuration = route.getRouteConfigurationId();
            if (configuration == null || !List.of(configuration.split(",")).contains(GatewayExchange.ERROR_POLICY)) {
                throw new InvalidSourceException(
                        line,
                        "route '" + id + "' does not opt into the error policy; expected 'routeConfigurationId: "
                                + GatewayExchange.ERROR_POLICY + "' so failures end in the dead-letter topic");
            }
            String consumer = checkEndpoint(content, from, usedKamelets);
            checkConsumerIsFree(content, id, consumer, ownIds, ownerOf);
            consumers.add(consumer);
            checkOutputs(content, route.getOutputs(), usedKamelets);
        }
        return new Analysis(List.copyOf(idsInFile.keySet()), consumers, usedKamelets);
    }

    private void checkConsumerIsFree(
            String content, String id, String consumer, Set<String> ownIds, Function<String, String> ownerOf)
            throws InvalidSourceException {
        for (Route other : camel.getRoutes()) {
            if (ownIds.contains(other.getRouteId()) || other.isCreatedByKamelet()) {
                continue;
            }
            if (Objects.equals(
                    TelemetryRouter.normalize(other.getEndpoint().getEndpointUri()),
                    TelemetryRouter.normalize(consumer))) {
                throw new InvalidSourceException(
                        InvalidSourceException.lineOf(content, "from:"),
                        "route '" + id + "' consumes from '" + consumer + "', which route '" + other.getRouteId()
                                + "' (" + ownerOf.apply(other.getRouteId()) + ") already consumes from");
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
            return TelemetryRouter.normalize(resolved);
        }
        if (scheme == null || camel.getComponent(scheme) == null) {
            throw new InvalidSourceException(
                    line,
                    "endpoint '" + uri + "': unknown component '" + scheme + "' (is its starter on the classpath?)");
        }
        try {
            Endpoint endpoint = camel.getEndpoint(resolved);
            return TelemetryRouter.normalize(endpoint.getEndpointUri());
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
        Throwable root = NestedExceptionUtils.getMostSpecificCause(failure);
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return firstLine(message);
    }

    private static String firstLine(String message) {
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
