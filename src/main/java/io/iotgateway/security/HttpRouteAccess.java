package io.iotgateway.security;

import io.iotgateway.config.InvalidConfigurationException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Who may call the paths of YAML HTTP routes ({@code platform-http}): the first rule of
 * {@code gateway.security.http-routes} whose path pattern matches decides the role (the configured rules first, then
 * the defaults, {@code /ingest/**} for devices). A DEVICE rule whose pattern has a <code>{deviceId}</code> variable
 * also needs the caller's device token to name that device: a device cannot send as another one.
 */
final class HttpRouteAccess implements AuthorizationManager<RequestAuthorizationContext> {

    static final String DEVICE_VARIABLE = "deviceId";

    private record Rule(
            String path,
            GatewayRole role,
            RequestMatcher matcher,
            AuthorizationManager<RequestAuthorizationContext> byRole) {}

    private final List<Rule> rules;
    private final String deviceRole;

    HttpRouteAccess(List<SecurityProperties.HttpRoute> configured, GatewayRoles roles) {
        this.deviceRole = "ROLE_" + roles.name(GatewayRole.DEVICE);
        List<Rule> parsed = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            SecurityProperties.HttpRoute route = configured.get(i);
            String key = "gateway.security.http-routes[" + i + "]";
            if (route.path() == null || !route.path().startsWith("/")) {
                throw new InvalidConfigurationException(
                        key + ".path", "expected a path pattern starting with '/', such as /reports/**");
            }
            if (route.role() == null) {
                throw new InvalidConfigurationException(
                        key + ".role", "not set; expected one of VIEWER, OPERATOR, ADMIN, DEVICE");
            }
            try {
                PathPatternParser.defaultInstance.parse(route.path());
            } catch (RuntimeException e) {
                throw new InvalidConfigurationException(key + ".path", e.getMessage());
            }
            AuthorityAuthorizationManager<RequestAuthorizationContext> byRole =
                    AuthorityAuthorizationManager.hasRole(roles.name(route.role()));
            byRole.setRoleHierarchy(roles.hierarchy());
            parsed.add(new Rule(
                    route.path(),
                    route.role(),
                    PathPatternRequestMatcher.withDefaults().matcher(route.path()),
                    byRole));
        }
        this.rules = List.copyOf(parsed);
    }

    boolean matches(HttpServletRequest request) {
        return rule(request).isPresent();
    }

    /** The role a path needs, if a rule covers it (for the 403 message). */
    Optional<GatewayRole> roleFor(HttpServletRequest request) {
        return rule(request).map(Rule::role);
    }

    private Optional<Rule> rule(HttpServletRequest request) {
        return rules.stream().filter(r -> r.matcher().matches(request)).findFirst();
    }

    @Override
    @SuppressWarnings("deprecation") // check is what a 6.5 AuthorizationManager implements; authorize calls it
    public AuthorizationDecision check(Supplier<Authentication> authentication, RequestAuthorizationContext context) {
        HttpServletRequest request = context.getRequest();
        Optional<Rule> found = rule(request);
        if (found.isEmpty()) {
            return new AuthorizationDecision(false);
        }
        Rule rule = found.get();
        if (rule.role() != GatewayRole.DEVICE || !rule.path().contains("{" + DEVICE_VARIABLE + "}")) {
            return rule.byRole().check(authentication, context);
        }
        Authentication caller = authentication.get();
        if (caller == null
                || !caller.isAuthenticated()
                || caller.getAuthorities().stream().noneMatch(a -> deviceRole.equals(a.getAuthority()))
                || !(caller instanceof ApiTokens.Token token)) {
            return new AuthorizationDecision(false);
        }
        Map<String, String> variables = rule.matcher().matcher(request).getVariables();
        return new AuthorizationDecision(token.devices().contains(variables.get(DEVICE_VARIABLE)));
    }
}
