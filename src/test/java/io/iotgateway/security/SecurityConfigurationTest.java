package io.iotgateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.iotgateway.config.InvalidConfigurationException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;

/** Accounts and API tokens from configuration: what is accepted, and what stops the start naming the setting. */
class SecurityConfigurationTest {

    private static final String TOKEN = "a-long-enough-operator-token";

    @Test
    void tokensAuthenticateWithTheirRoleAndUnknownOnesAreRefused() throws Exception {
        String hashed = "sha256:"
                + HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256")
                                .digest("a-viewer-token-kept-as-hash".getBytes(StandardCharsets.UTF_8)));
        SecurityProperties properties = properties(
                Map.of(),
                Map.of(
                        "ci", new SecurityProperties.ApiToken(TOKEN, GatewayRole.OPERATOR),
                        "grafana", new SecurityProperties.ApiToken(hashed, GatewayRole.VIEWER),
                        "off", new SecurityProperties.ApiToken("", GatewayRole.ADMIN)));
        ApiTokens tokens = ApiTokens.from(properties, new GatewayRoles(properties));

        Authentication operator = tokens.authenticate(bearer(TOKEN));
        assertThat(operator.getName()).isEqualTo("token:ci");
        assertThat(roles(operator)).containsExactly("ROLE_GATEWAY_OPERATOR");
        assertThat(roles(tokens.authenticate(bearer("a-viewer-token-kept-as-hash"))))
                .containsExactly("ROLE_GATEWAY_VIEWER");
        assertThatThrownBy(() -> tokens.authenticate(bearer(""))).isInstanceOf(BadCredentialsException.class);
        assertThatThrownBy(() -> tokens.authenticate(bearer(TOKEN + "x"))).isInstanceOf(BadCredentialsException.class);
        MockHttpServletRequest basic = new MockHttpServletRequest();
        basic.addHeader("Authorization", "Basic dXNlcjpwYXNz");
        assertThat(ApiTokens.converter().convert(basic))
                .as("left to HTTP basic")
                .isNull();
    }

    @Test
    void badTokensStopTheStartNamingTheSetting() {
        assertInvalid(
                properties(Map.of(), Map.of("ci", new SecurityProperties.ApiToken("short", GatewayRole.OPERATOR))),
                "gateway.security.tokens.ci.value");
        assertInvalid(
                properties(Map.of(), Map.of("ci", new SecurityProperties.ApiToken(TOKEN, null))),
                "gateway.security.tokens.ci.role");
        assertInvalid(
                properties(
                        Map.of(),
                        Map.of(
                                "a", new SecurityProperties.ApiToken(TOKEN, GatewayRole.OPERATOR),
                                "b", new SecurityProperties.ApiToken(TOKEN, GatewayRole.VIEWER))),
                "gateway.security.tokens.b.value");
        assertInvalid(
                properties(Map.of(), Map.of("ci", new SecurityProperties.ApiToken("sha256:abc", GatewayRole.VIEWER))),
                "gateway.security.tokens.ci.value");
    }

    @Test
    void accountsWithPlainOrHashedPasswordsAndTheirChecks() {
        ManagementSecurity security = new ManagementSecurity();
        PasswordEncoder encoder = security.gatewayPasswordEncoder();
        String hash = "{bcrypt}" + new BCryptPasswordEncoder(4).encode("hashed-secret");
        SecurityProperties properties = properties(
                Map.of(
                        "ops", new SecurityProperties.Account("plain-secret", GatewayRole.OPERATOR),
                        "auditor", new SecurityProperties.Account(hash, GatewayRole.VIEWER),
                        "nobody", new SecurityProperties.Account("", GatewayRole.VIEWER)),
                Map.of());
        UserDetailsService users = security.gatewayUsers(properties, new GatewayRoles(properties));

        var ops = users.loadUserByUsername("ops");
        assertThat(encoder.matches("plain-secret", ops.getPassword())).isTrue();
        assertThat(encoder.matches("plain-secreT", ops.getPassword())).isFalse();
        assertThat(ops.getPassword()).doesNotContain("plain-secret");
        assertThat(encoder.matches(
                        "hashed-secret", users.loadUserByUsername("auditor").getPassword()))
                .isTrue();
        assertThat(users.loadUserByUsername("admin").getAuthorities())
                .extracting(GrantedAuthority::getAuthority)
                .containsExactly("ROLE_GATEWAY_ADMIN");
        assertThatThrownBy(() -> users.loadUserByUsername("nobody")).hasMessageContaining("nobody");

        assertThatThrownBy(() -> security.gatewayUsers(
                        properties(Map.of("x", new SecurityProperties.Account("pw", null)), Map.of()),
                        new GatewayRoles(properties)))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("gateway.security.users.x.role");
        assertThatThrownBy(() -> security.gatewayUsers(
                        properties(Map.of("admin", new SecurityProperties.Account("pw", GatewayRole.VIEWER)), Map.of()),
                        new GatewayRoles(properties)))
                .hasMessageContaining("gateway.security.users.admin");
    }

    @Test
    void eachRoleIncludesTheOnesBelowIt() {
        SecurityProperties properties = properties(Map.of(), Map.of());
        GatewayRoles roles = new GatewayRoles(properties);
        ApiTokens tokens = ApiTokens.from(
                properties(Map.of(), Map.of("t", new SecurityProperties.ApiToken(TOKEN, GatewayRole.OPERATOR))), roles);
        Authentication operator = tokens.authenticate(bearer(TOKEN));
        assertThat(roles.has(operator, GatewayRole.VIEWER)).isTrue();
        assertThat(roles.has(operator, GatewayRole.OPERATOR)).isTrue();
        assertThat(roles.has(operator, GatewayRole.ADMIN)).isFalse();
        assertThat(roles.has(null, GatewayRole.VIEWER)).isFalse();
    }

    private static Authentication bearer(String token) {
        MockHttpServletRequest request = new MockHttpServletRequest();
        request.addHeader("Authorization", "Bearer " + token);
        Authentication presented = ApiTokens.converter().convert(request);
        assertThat(presented).isNotNull();
        return presented;
    }

    private static List<String> roles(Authentication authentication) {
        return authentication.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .toList();
    }

    private static void assertInvalid(SecurityProperties properties, String key) {
        assertThatThrownBy(() -> ApiTokens.from(properties, new GatewayRoles(properties)))
                .isInstanceOf(InvalidConfigurationException.class)
                .satisfies(e -> assertThat(((InvalidConfigurationException) e).property())
                        .isEqualTo(key));
    }

    private static SecurityProperties properties(
            Map<String, SecurityProperties.Account> users, Map<String, SecurityProperties.ApiToken> tokens) {
        return new SecurityProperties("admin", "admin-secret", "GATEWAY_ADMIN", users, tokens, List.of(), null, null);
    }
}
