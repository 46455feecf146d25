package io.iotgateway.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.iotgateway.config.InvalidConfigurationException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.ObjectPostProcessor;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AuthenticationEntryPointFailureHandler;
import org.springframework.security.web.authentication.AuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.header.HeaderWriterFilter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * Who may use what over HTTP. Callers authenticate with HTTP basic (configured accounts) or an API token
 * ({@code Authorization: Bearer}); each has one {@link GatewayRole}, and each role includes the ones below it:
 *
 * <ul>
 *   <li>open: {@code /health}, {@code /actuator/health/**}, {@code /actuator/info} (probes, load balancers);
 *   <li>ADMIN: {@code /actuator/**} (metrics, Jolokia, Hawtio) and changes under {@code /api/routes};
 *   <li>OPERATOR: every other change under {@code /api/**} (commands, dead-letter replay); WebSocket {@code publish}
 *       frames are checked by the socket handler with {@link GatewayRoles};
 *   <li>YAML HTTP routes ({@code platform-http}): the role {@code gateway.security.http-routes} gives their path
 *       ({@link HttpRouteAccess}); by default DEVICE for {@code /ingest/**}, with the device's own token;
 *   <li>VIEWER: everything else: reads under {@code /api/**}, the dashboard, SSE {@code /events}, WebSocket {@code /ws}.
 * </ul>
 *
 * <p>There is no default password: a gateway whose Hawtio console can stop routes must not start with a guessable
 * one, so a missing {@code GATEWAY_ADMIN_PASSWORD} stops the start with the property's name. Sessions are not kept:
 * every request carries its credentials (browsers resend cached basic credentials by themselves).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ManagementSecurity {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    /**
     * Security headers are written before the request is handled instead of after it. An SSE response is already
     * being written by a live-sender thread when its handler returns, and Tomcat's response headers are not
     * thread-safe: writing them afterwards failed one /events request of 1,000 with an NPE in Tomcat's MimeHeaders
     * (spring-security#9175).
     */
    static final class EagerSecurityHeaders implements ObjectPostProcessor<HeaderWriterFilter> {
        @Override
        public <O extends HeaderWriterFilter> O postProcess(O filter) {
            filter.setShouldWriteHeadersEagerly(true);
            return filter;
        }
    }

    @Bean
    SecurityFilterChain gatewaySecurity(
            HttpSecurity http, SecurityProperties properties, GatewayRoles roles, ObjectMapper json) throws Exception {
        HttpRouteAccess httpRoutes = new HttpRouteAccess(properties.httpRoutes(), roles);
        SecurityProblems problems = new SecurityProblems(json, httpRoutes);
        String viewer = roles.name(GatewayRole.VIEWER);
        String operator = roles.name(GatewayRole.OPERATOR);
        String admin = roles.name(GatewayRole.ADMIN);

        AuthenticationFilter bearer =
                new AuthenticationFilter(new ProviderManager(ApiTokens.from(properties, roles)), ApiTokens.converter());
        bearer.setSuccessHandler((request, response, authentication) -> {}); // continue to the requested resource
        bearer.setFailureHandler(new AuthenticationEntryPointFailureHandler(problems));

        // Browsers attach basic credentials by themselves, so a state-changing management request (Hawtio's Jolokia
        // calls can stop routes) must prove it comes from this site: either the browser says so (Fetch Metadata
        // header Sec-Fetch-Site: same-origin, which a page cannot forge) or it carries the CSRF token from the
        // XSRF-TOKEN cookie. For /api and /ws the CORS check below does that job: a browser's cross-site request
        // carries an Origin, and one not in gateway.security.allowed-origins is refused before it is served.
        RequestMatcher httpRouteMatchers = httpRoutes::matches;
        CsrfTokenRequestAttributeHandler plainToken = new CsrfTokenRequestAttributeHandler();
        plainToken.setCsrfRequestAttributeName(null); // load the token on every request so the cookie is always set
        RequestMatcher needsCsrfCheck = request -> !SAFE_METHODS.contains(request.getMethod())
                && !"same-origin".equals(request.getHeader("Sec-Fetch-Site"));
        http.authorizeHttpRequests(requests -> requests.requestMatchers(
                                EndpointRequest.to(HealthEndpoint.class, InfoEndpoint.class))
                        .permitAll()
                        .requestMatchers(path("/health"), path("/error"))
                        .permitAll()
                        .requestMatchers(EndpointRequest.toAnyEndpoint(), path("/actuator/**"))
                        .hasRole(admin)
                        .requestMatchers(read("/api/**"))
                        .hasRole(viewer)
                        .requestMatchers(path("/api/routes"), path("/api/routes/**"))
                        .hasRole(admin)
                        .requestMatchers(path("/api/**"))
                        .hasRole(operator)
                        .requestMatchers(httpRouteMatchers)
                        .access(httpRoutes)
                        .anyRequest()
                        .hasRole(viewer))
                .addFilterBefore(bearer, BasicAuthenticationFilter.class)
                .httpBasic(basic -> basic.authenticationEntryPoint(problems))
                .exceptionHandling(exceptions ->
                        exceptions.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .cors(cors -> cors.configurationSource(cors(properties)))
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .headers(headers -> headers.withObjectPostProcessor(new EagerSecurityHeaders()))
                .csrf(csrf -> csrf.csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                        .csrfTokenRequestHandler(plainToken)
                        .requireCsrfProtectionMatcher(needsCsrfCheck)
                        .ignoringRequestMatchers(path("/api/**"), path("/ws/**"), httpRouteMatchers));
        return http.build();
    }

    @Bean
    RoleHierarchy gatewayRoleHierarchy(GatewayRoles roles) {
        return roles.hierarchy();
    }

    /**
     * Cross-origin calls only from the configured origins, with a token or basic credentials in the Authorization
     * header (no cookies: {@code allowCredentials} stays off). Without configured origins only same-origin pages (the
     * dashboard, Hawtio) may call; a foreign origin's preflight and request are refused.
     */
    private static CorsConfigurationSource cors(SecurityProperties properties) {
        CorsConfiguration cors = new CorsConfiguration();
        cors.setAllowedOriginPatterns(properties.allowedOrigins());
        cors.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "DELETE"));
        cors.setAllowedHeaders(List.of("Authorization", "Content-Type", "Last-Event-ID", "X-Requested-With"));
        cors.setExposedHeaders(List.of("Location", "WWW-Authenticate"));
        cors.setMaxAge(3600L);
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
        source.registerCorsConfiguration("/**", cors);
        return source;
    }

    private static RequestMatcher path(String pattern) {
        return PathPatternRequestMatcher.withDefaults().matcher(pattern);
    }

    private static RequestMatcher read(String pattern) {
        RequestMatcher get = PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.GET, pattern);
        RequestMatcher head = PathPatternRequestMatcher.withDefaults().matcher(HttpMethod.HEAD, pattern);
        return request -> get.matches(request) || head.matches(request);
    }

    @Bean
    UserDetailsService gatewayUsers(SecurityProperties properties, GatewayRoles roles) {
        String password = properties.adminPassword();
        if (password == null || password.isBlank()) {
            throw new InvalidConfigurationException(
                    "gateway.security.admin-password",
                    "not set; expected the password of administrator '" + properties.adminUser()
                            + "' (environment variable GATEWAY_ADMIN_PASSWORD, or a file of that name read through"
                            + " SPRING_CONFIG_IMPORT=optional:configtree:/run/secrets/). It guards the API,"
                            + " /actuator/** and Hawtio; there is no default.");
        }
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager(
                account(properties.adminUser(), password, roles.name(GatewayRole.ADMIN)));
        for (Map.Entry<String, SecurityProperties.Account> entry : new TreeMap<>(properties.users()).entrySet()) {
            String key = "gateway.security.users." + entry.getKey();
            SecurityProperties.Account account = entry.getValue();
            if (!account.enabled()) {
                continue;
            }
            if (account.role() == null) {
                throw new InvalidConfigurationException(
                        key + ".role", "not set; expected one of VIEWER, OPERATOR, ADMIN");
            }
            if (users.userExists(entry.getKey())) {
                throw new InvalidConfigurationException(
                        key,
                        "user '" + entry.getKey() + "' is already the administrator (gateway.security.admin-user)");
            }
            users.createUser(account(entry.getKey(), account.password(), roles.name(account.role())));
        }
        return users;
    }

    /**
     * A password in Spring Security's stored form ({@code {bcrypt}$2a$...}) is taken as it is, so a deployment can keep
     * only a hash; anything else is the password itself, kept as its SHA-256 digest.
     */
    private static UserDetails account(String name, String password, String role) {
        String stored = password.matches("\\{[a-z0-9-]+}.+")
                ? password
                : "{" + PLAIN + "}" + ConfiguredPassword.digest(password);
        return User.withUsername(name).password(stored).roles(role).build();
    }

    /**
     * Checks every request's basic credentials (sessions are not kept). Hashes in Spring Security's stored forms
     * ({@code {bcrypt}}, ...) cost what they cost by design; a password given in plain is already readable wherever the
     * configuration is, so a deliberately slow hash would protect nothing and only make every API call slow: it is
     * compared by its SHA-256 digest.
     */
    @Bean
    PasswordEncoder gatewayPasswordEncoder() {
        DelegatingPasswordEncoder encoder =
                (DelegatingPasswordEncoder) PasswordEncoderFactories.createDelegatingPasswordEncoder();
        Map<String, PasswordEncoder> encoders = new HashMap<>();
        encoders.put(PLAIN, new ConfiguredPassword());
        DelegatingPasswordEncoder delegating = new DelegatingPasswordEncoder(PLAIN, encoders);
        // {bcrypt}, {argon2}, ... : Spring Security's own encoders
        delegating.setDefaultPasswordEncoderForMatches(encoder);
        return delegating;
    }

    private static final String PLAIN = "config-sha256";

    /** A configured plain password, compared by digest in constant time. */
    private static final class ConfiguredPassword implements PasswordEncoder {

        static String digest(CharSequence password) {
            try {
                return HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest(password.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has SHA-256", e);
            }
        }

        @Override
        public String encode(CharSequence password) {
            return digest(password);
        }

        @Override
        public boolean matches(CharSequence password, String stored) {
            return MessageDigest.isEqual(
                    digest(password).getBytes(StandardCharsets.US_ASCII), stored.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
