package io.iotgateway.security;

import io.iotgateway.config.InvalidConfigurationException;
import java.util.Set;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.info.InfoEndpoint;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Who may use what over HTTP. The management side ({@code /actuator/**}: metrics, Hawtio, Jolokia) needs the
 * management user (HTTP basic); health and info stay open for probes. The rest ({@code /}, {@code /health},
 * {@code /api/**}, live endpoints) is open for now: end-user authentication is a later step.
 *
 * <p>There is no default password: a gateway whose Hawtio console can stop routes must not start with a guessable
 * one, so a missing {@code GATEWAY_ADMIN_PASSWORD} stops the start with the property's name. Hawtio can also be
 * switched off on its own ({@code GATEWAY_HAWTIO_ENABLED=false}).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
class ManagementSecurity {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    @Bean
    SecurityFilterChain gatewaySecurity(HttpSecurity http, SecurityProperties properties) throws Exception {
        // Browsers attach basic credentials by themselves, so a state-changing request (Hawtio's Jolokia calls can
        // stop routes) must prove it comes from this site: either the browser says so (Fetch Metadata header
        // Sec-Fetch-Site: same-origin, which a page cannot forge) or it carries the CSRF token from the XSRF-TOKEN
        // cookie. API and WebSocket clients are stateless and carry no cookies.
        CsrfTokenRequestAttributeHandler plainToken = new CsrfTokenRequestAttributeHandler();
        plainToken.setCsrfRequestAttributeName(null); // load the token on every request so the cookie is always set
        RequestMatcher needsCsrfCheck = request -> !SAFE_METHODS.contains(request.getMethod())
                && !"same-origin".equals(request.getHeader("Sec-Fetch-Site"));
        http.authorizeHttpRequests(requests -> requests.requestMatchers(
                                EndpointRequest.to(HealthEndpoint.class, InfoEndpoint.class))
                        .permitAll()
                        .requestMatchers(EndpointRequest.toAnyEndpoint(), path("/actuator/**"))
                        .hasRole(properties.adminRole())
                        .anyRequest()
                        .permitAll())
                .httpBasic(Customizer.withDefaults())
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .csrf(csrf -> csrf.csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                        .csrfTokenRequestHandler(plainToken)
                        .requireCsrfProtectionMatcher(needsCsrfCheck)
                        .ignoringRequestMatchers(path("/api/**"), path("/ws/**")));
        return http.build();
    }

    private static RequestMatcher path(String pattern) {
        return PathPatternRequestMatcher.withDefaults().matcher(pattern);
    }

    @Bean
    UserDetailsService managementUser(SecurityProperties properties) {
        String password = properties.adminPassword();
        if (password == null || password.isBlank()) {
            throw new InvalidConfigurationException(
                    "gateway.security.admin-password",
                    "not set; expected the password of management user '" + properties.adminUser()
                            + "' (environment variable GATEWAY_ADMIN_PASSWORD). It guards /actuator/prometheus,"
                            + " /actuator/hawtio and the other management endpoints; there is no default.");
        }
        PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
        return new InMemoryUserDetailsManager(User.withUsername(properties.adminUser())
                .password(encoder.encode(password))
                .roles(properties.adminRole())
                .build());
    }
}
