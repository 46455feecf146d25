package io.iotgateway.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * {@code gateway.security.*}: who may use the gateway over HTTP. See {@link ManagementSecurity} for what each role may
 * do and docs/operations.md "Security" for how to configure it.
 *
 * @param adminUser the administrator (HTTP basic); always present
 * @param adminPassword its password: no default, the start fails without one
 * @param adminRole the Spring role name of {@link GatewayRole#ADMIN} (also the role that sees health details)
 * @param users further accounts (HTTP basic), by user name; an account with a blank password is switched off
 * @param tokens static API tokens (HTTP {@code Authorization: Bearer}), by a name used in logs; a blank value is
 *     switched off. A value {@code sha256:<64 hex digits>} is the SHA-256 of the token rather than the token itself.
 * @param allowedOrigins browser origins (CORS) allowed to call the gateway from another site; none by default
 */
@Validated
@ConfigurationProperties("gateway.security")
record SecurityProperties(
        @NotBlank String adminUser,
        String adminPassword,
        @NotBlank
                @Pattern(
                        regexp = "[A-Z][A-Z0-9_]*",
                        message = "must be an upper-case role name without the ROLE_ prefix, such as GATEWAY_ADMIN")
                String adminRole,
        Map<String, Account> users,
        Map<String, ApiToken> tokens,
        List<String> allowedOrigins) {

    SecurityProperties {
        users = users == null ? Map.of() : Map.copyOf(users);
        tokens = tokens == null ? Map.of() : Map.copyOf(tokens);
        allowedOrigins = allowedOrigins == null
                ? List.of()
                : allowedOrigins.stream()
                        .map(String::trim)
                        .filter(o -> !o.isEmpty())
                        .toList();
    }

    /** An HTTP basic account. */
    record Account(String password, GatewayRole role) {

        boolean enabled() {
            return password != null && !password.isBlank();
        }
    }

    /** A static bearer token. */
    record ApiToken(String value, GatewayRole role) {

        boolean enabled() {
            return value != null && !value.isBlank();
        }
    }
}
