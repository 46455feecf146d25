package io.iotgateway.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import java.util.ArrayList;
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
 * @param deviceTokens bearer tokens of devices or clients sending telemetry over HTTP (role {@link GatewayRole#DEVICE}),
 *     by client name; each names the devices it may send for (none listed: the device whose id is the name). Same
 *     value rules as {@code tokens}.
 * @param httpRoutes the role each path of a YAML HTTP route ({@code platform-http}) needs, first match wins; added to
 *     {@link #DEFAULT_HTTP_ROUTES} (which come last) rather than replacing them. A path no rule matches needs VIEWER.
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
        List<String> allowedOrigins,
        Map<String, DeviceToken> deviceTokens,
        List<HttpRoute> httpRoutes) {

    /**
     * HTTP ingest is for devices: {@code POST /ingest/{family}/{deviceId}} needs a device token that names the device,
     * and anything else under {@code /ingest} needs a device token.
     */
    static final List<HttpRoute> DEFAULT_HTTP_ROUTES = List.of(
            new HttpRoute("/ingest/{family}/{deviceId}", GatewayRole.DEVICE),
            new HttpRoute("/ingest/**", GatewayRole.DEVICE));

    SecurityProperties {
        deviceTokens = deviceTokens == null ? Map.of() : Map.copyOf(deviceTokens);
        List<HttpRoute> rules = new ArrayList<>(httpRoutes == null ? List.of() : httpRoutes);
        rules.addAll(DEFAULT_HTTP_ROUTES);
        httpRoutes = List.copyOf(rules);
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

    /**
     * A bearer token of a device, or of a client sending for several devices.
     *
     * @param devices the device ids it may send for; empty: only the device named like the token's key
     */
    record DeviceToken(String value, List<String> devices) {

        DeviceToken {
            devices = devices == null ? List.of() : List.copyOf(devices);
        }

        boolean enabled() {
            return value != null && !value.isBlank();
        }
    }

    /**
     * The role needed for the paths of YAML HTTP routes matching {@code path} (a Spring path pattern such as
     * {@code /reports/**}). With role DEVICE and a <code>{deviceId}</code> variable in the pattern, the caller's device
     * token must also name that device.
     */
    record HttpRoute(String path, GatewayRole role) {}

    /** A static bearer token. */
    record ApiToken(String value, GatewayRole role) {

        boolean enabled() {
            return value != null && !value.isBlank();
        }
    }
}
